//! Share images: the 1200×627 picture that LinkedIn, X, Facebook and chat apps
//! show beside a link to a badge, a collection or a profile (Open Graph
//! `og:image`).
//!
//! The card is drawn as an SVG (background, title, lines of text, footer) in
//! the bundled font, rendered with resvg, and the badge's own PNG is then
//! painted onto it, scaled with bicubic filtering, so the badge image is
//! never re-encoded through SVG.

use std::fmt::Write as _;

use resvg::tiny_skia::{FilterQuality, Pixmap, PixmapPaint, Transform};

use crate::Colour;
use crate::design::{escape, text_width};
use crate::render::{FONT_FAMILY, MAX_EMBEDDED_SIDE, RenderError, parse, png_dimensions};

/// Width of a share image: the size Open Graph consumers ask for.
pub const SHARE_WIDTH: u32 = 1200;
/// Height of a share image (1.91:1).
pub const SHARE_HEIGHT: u32 = 627;

/// Where the badge image goes, and how large it is drawn.
const IMAGE_BOX: f32 = 400.0;
const IMAGE_X: f32 = 90.0;
/// Left edge and width of the text column.
const TEXT_X: f32 = 560.0;
const TEXT_WIDTH: f32 = 600.0;
/// The title's largest and smallest font size, and its most lines.
const TITLE_MAX: f32 = 64.0;
const TITLE_MIN: f32 = 40.0;
const TITLE_LINES: usize = 3;
const LINE_SIZE: f32 = 30.0;
const LINE_MIN: f32 = 22.0;
const FOOTER_SIZE: f32 = 24.0;

/// What a share image says.
#[derive(Debug, Clone)]
pub struct ShareCard<'a> {
    /// The badge image (PNG); `None` draws the card without it.
    pub image: Option<&'a [u8]>,
    /// The largest text: the badge's or the collection's name.
    pub title: &'a str,
    /// Smaller lines under the title ("Issued by …", "Earned by …").
    pub lines: &'a [&'a str],
    /// The bottom line, e.g. the site's host name.
    pub footer: &'a str,
    /// The stripe along the left edge and the footer's mark.
    pub accent: Colour,
}

/// Renders a share card to a 1200×627 PNG.
///
/// Text is set in the bundled font (Latin, Greek, Cyrillic, Arabic, Hebrew),
/// with fallbacks for Han, kana and Hangul; a title too
/// long for three lines ends in an ellipsis. A badge image that is not a PNG
/// of at most 4096 pixels a side is left out rather than decoded.
pub fn render_share_png(card: &ShareCard<'_>) -> Result<Vec<u8>, RenderError> {
    let svg = card_svg(card);
    let tree = parse(&svg)?;
    let mut pixmap = Pixmap::new(SHARE_WIDTH, SHARE_HEIGHT).ok_or(RenderError::Empty)?;
    resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
    if let Some(badge) = card.image.and_then(decode_badge) {
        let (w, h) = (badge.width() as f32, badge.height() as f32);
        let scale = (IMAGE_BOX / w).min(IMAGE_BOX / h);
        let x = IMAGE_X + (IMAGE_BOX - w * scale) / 2.0;
        let y = (SHARE_HEIGHT as f32 - h * scale) / 2.0;
        let paint = PixmapPaint {
            quality: FilterQuality::Bicubic,
            ..PixmapPaint::default()
        };
        let transform = Transform::from_row(scale, 0.0, 0.0, scale, x, y);
        pixmap.draw_pixmap(0, 0, badge.as_ref(), &paint, transform, None);
    }
    pixmap
        .encode_png()
        .map_err(|e| RenderError::Encode(e.to_string()))
}

fn decode_badge(png: &[u8]) -> Option<Pixmap> {
    let (w, h) = png_dimensions(png)?;
    if w == 0 || h == 0 || w > MAX_EMBEDDED_SIDE || h > MAX_EMBEDDED_SIDE {
        return None;
    }
    Pixmap::decode_png(png).ok()
}

fn card_svg(card: &ShareCard<'_>) -> String {
    let (w, h) = (SHARE_WIDTH, SHARE_HEIGHT);
    let accent = card.accent;
    let mut s = String::with_capacity(4096);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#eef1f6"/></linearGradient></defs><rect width="{w}" height="{h}" fill="url(#bg)"/><rect width="18" height="{h}" fill="{accent}"/>"##
    );
    if card.image.is_some() {
        // A soft disc behind the badge, so a transparent badge sits on something.
        let c = IMAGE_X + IMAGE_BOX / 2.0;
        let _ = write!(
            s,
            r##"<circle cx="{c}" cy="{cy}" r="{r}" fill="#ffffff" stroke="#dde2ea" stroke-width="2"/>"##,
            cy = h as f32 / 2.0,
            r = IMAGE_BOX / 2.0 + 24.0,
        );
    }
    let x = if card.image.is_some() { TEXT_X } else { 90.0 };
    let width = if card.image.is_some() {
        TEXT_WIDTH
    } else {
        w as f32 - 180.0
    };
    let (size, title) = fit_lines(card.title, width, TITLE_MAX, TITLE_MIN, TITLE_LINES);
    let lines: Vec<&str> = card
        .lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    // One size for every line: the largest at which the widest fits, within
    // limits; what still does not fit ends in an ellipsis.
    let widest = lines.iter().map(|l| text_width(l)).fold(0.0, f32::max);
    let line_size = if widest > 0.0 {
        (width / widest).clamp(LINE_MIN, LINE_SIZE)
    } else {
        LINE_SIZE
    };
    let lines: Vec<String> = lines
        .iter()
        .map(|l| ellipsize(l, width, line_size))
        .collect();
    // Vertically centre the title and the lines as one block.
    let title_gap = size * 1.15;
    let line_gap = line_size * 1.5;
    let block = title_gap * title.len() as f32 + 16.0 + line_gap * lines.len() as f32;
    let mut y = (h as f32 - block) / 2.0 + size * 0.9;
    for line in &title {
        text(&mut s, x, y, size, "#14213d", line);
        y += title_gap;
    }
    y += 16.0 - title_gap + line_gap;
    for line in &lines {
        text(&mut s, x, y, line_size, "#46526a", line);
        y += line_gap;
    }
    let footer = ellipsize(card.footer.trim(), w as f32 - 180.0, FOOTER_SIZE);
    let fy = h as f32 - 44.0;
    let _ = write!(
        s,
        r#"<rect x="90" y="{ry}" width="28" height="6" rx="3" fill="{accent}"/>"#,
        ry = fy - 9.0,
    );
    text(&mut s, 130.0, fy, FOOTER_SIZE, "#46526a", &footer);
    s.push_str("</svg>");
    s
}

fn text(s: &mut String, x: f32, y: f32, size: f32, fill: &str, text: &str) {
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y:.1}" font-family="{FONT_FAMILY}" font-weight="700" font-size="{size:.1}" fill="{fill}">{}</text>"#,
        escape(text)
    );
}

/// Breaks `text` into at most `max_lines` lines that fit `width` at the
/// largest size from `max` down to `min`; the last line ends in "…" when the
/// text does not fit even at `min`.
fn fit_lines(text: &str, width: f32, max: f32, min: f32, max_lines: usize) -> (f32, Vec<String>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut size = max;
    loop {
        let lines = wrap(&text, width / size);
        if lines.len() <= max_lines {
            return (size, lines);
        }
        if size <= min {
            let mut lines = lines;
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                *last = ellipsize(&format!("{last} …"), width, size);
            }
            return (size, lines);
        }
        size = (size - 4.0).max(min);
    }
}

/// Greedy word wrap for a width given in em (width ÷ font size); a word
/// longer than a line is cut.
fn wrap(text: &str, em: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if text_width(&candidate) <= em || current.is_empty() && text_width(word) <= em {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // The word alone: cut it into pieces that fit.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if text_width(&piece) > em && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        current = piece;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` cut to fit `width` at `size`, ending in "…" when cut.
fn ellipsize(text: &str, width: f32, size: f32) -> String {
    let em = width / size;
    if text_width(text) <= em {
        return text.to_owned();
    }
    let mut out: String = text.to_owned();
    while !out.is_empty() && text_width(&format!("{out}…")) > em {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card<'a>(title: &'a str, image: Option<&'a [u8]>) -> ShareCard<'a> {
        ShareCard {
            image,
            title,
            lines: &["Issued by Example University", "Earned by Ada Lovelace"],
            footer: "badges.example.org",
            accent: Colour::rgb(0x1d, 0x4e, 0xd8),
        }
    }

    fn decoded(png: &[u8]) -> Pixmap {
        Pixmap::decode_png(png).expect("a PNG")
    }

    #[test]
    fn a_card_is_1200_by_627() {
        let png = render_share_png(&card("Web Accessibility Foundations", None)).expect("renders");
        let pixmap = decoded(&png);
        assert_eq!(
            (pixmap.width(), pixmap.height()),
            (SHARE_WIDTH, SHARE_HEIGHT)
        );
    }

    #[test]
    fn the_badge_image_is_painted_in_its_box() {
        // A 64×64 opaque red PNG.
        let mut red = Pixmap::new(64, 64).expect("pixmap");
        red.fill(resvg::tiny_skia::Color::from_rgba8(255, 0, 0, 255));
        let badge = red.encode_png().expect("png");
        let with = decoded(&render_share_png(&card("Title", Some(&badge))).expect("renders"));
        let without = decoded(&render_share_png(&card("Title", None)).expect("renders"));
        let centre = |p: &Pixmap| {
            let px = p
                .pixel((IMAGE_X + IMAGE_BOX / 2.0) as u32, SHARE_HEIGHT / 2)
                .expect("in the image");
            (px.red(), px.green(), px.blue())
        };
        assert_eq!(centre(&with), (255, 0, 0));
        assert_ne!(centre(&without), (255, 0, 0));
    }

    #[test]
    fn an_image_that_is_not_a_png_is_left_out() {
        let png = render_share_png(&card("Title", Some(b"<svg/>"))).expect("renders");
        assert_eq!(decoded(&png).width(), SHARE_WIDTH);
    }

    #[test]
    fn text_is_escaped_and_long_titles_end_in_an_ellipsis() {
        let svg = card_svg(&card("<script>&", None));
        assert!(svg.contains("&lt;script&gt;&amp;"));
        let long = "Advanced ".repeat(40);
        let (size, lines) = fit_lines(&long, TEXT_WIDTH, TITLE_MAX, TITLE_MIN, TITLE_LINES);
        assert_eq!(size, TITLE_MIN);
        assert_eq!(lines.len(), TITLE_LINES);
        assert!(lines[TITLE_LINES - 1].ends_with('…'));
        for line in &lines {
            assert!(text_width(line) * size <= TEXT_WIDTH + 0.5, "{line}");
        }
    }

    #[test]
    fn short_titles_stay_large_and_unbroken_words_are_cut() {
        let (size, lines) = fit_lines("Data Steward", TEXT_WIDTH, TITLE_MAX, TITLE_MIN, 3);
        assert_eq!((size, lines.len()), (TITLE_MAX, 1));
        let word = "x".repeat(200);
        let lines = wrap(&word, 10.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l) <= 10.0));
        assert_eq!(lines.concat(), word);
    }

    /// Titles in the scripts earners and issuers write in: each character
    /// has a glyph (no box), and two titles made of the same characters in
    /// another order render differently (boxes would all look alike).
    #[test]
    fn non_latin_titles_render_as_text_not_boxes() {
        let samples = [
            ("Cyrillic", "Анализ данных"),
            ("Greek", "Ανάλυση δεδομένων"),
            ("Arabic", "تحليل البيانات"),
            ("Chinese", "数据分析基础"),
            ("Japanese", "データ分析の基礎"),
            ("Korean", "데이터 분석 기초"),
        ];
        for (script, title) in samples {
            assert!(
                crate::design::has_glyphs(title),
                "{script}: a character without a glyph"
            );
            // The same characters, sorted, the spaces where they were.
            let mut letters: Vec<char> = title.chars().filter(|c| *c != ' ').collect();
            letters.sort_unstable();
            let mut sorted = letters.into_iter();
            let reordered: String = title
                .chars()
                .map(|c| {
                    if c == ' ' {
                        ' '
                    } else {
                        sorted.next().unwrap_or(c)
                    }
                })
                .collect();
            assert_ne!(title, reordered);
            let a = render_share_png(&card(title, None)).expect("renders");
            let b = render_share_png(&card(&reordered, None)).expect("renders");
            assert_ne!(a, b, "{script}: the glyphs look alike (boxes?)");
        }
        assert!(
            !crate::design::has_glyphs("\u{E000}"),
            "a private-use character has none"
        );
        // CJK glyphs are about one em wide, so titles wrap where they should.
        let w = text_width("数据分析");
        assert!((3.5..=4.5).contains(&w), "{w}");
        let (_, lines) = fit_lines(&"数据分析".repeat(20), TEXT_WIDTH, TITLE_MAX, TITLE_MIN, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
    }

    #[test]
    fn ellipsize_keeps_what_fits() {
        assert_eq!(ellipsize("short", 500.0, 30.0), "short");
        let cut = ellipsize(&"wide ".repeat(50), 300.0, 30.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut) * 30.0 <= 300.0);
    }
}
