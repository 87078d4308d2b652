//! The icon set offered by the badge designer: a selection of Lucide icons
//! (ISC licence), vendored unmodified in `crates/artwork/icons/` (see the
//! README there for the source, version and licence).

/// One icon: its id (the Lucide name), an English label for pickers, and the
/// vendored SVG file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icon {
    /// Stable id, stored in designs (for example `graduation-cap`).
    pub id: &'static str,
    /// Short English label (for example `Graduation cap`); the server's picker
    /// shows the translated catalogue entry `icon-<id>`.
    pub label: &'static str,
    /// The whole vendored SVG file (24×24, stroked, `currentColor`).
    pub svg: &'static str,
}

impl Icon {
    /// The drawing elements inside the icon's root `<svg>` (paths, circles,
    /// rectangles, lines), in its 24×24 coordinate system, ready to be
    /// placed inside a group that sets the stroke.
    pub fn body(&self) -> &'static str {
        let svg = self.svg;
        let Some(open) = svg.find("<svg") else {
            return "";
        };
        let Some(tag_end) = svg[open..].find('>') else {
            return "";
        };
        let start = open + tag_end + 1;
        let end = svg.rfind("</svg>").unwrap_or(svg.len());
        if end < start {
            return "";
        }
        svg[start..end].trim()
    }
}

macro_rules! icons {
    ($($id:literal => $label:literal),* $(,)?) => {
        static ICONS: &[Icon] = &[
            $(Icon { id: $id, label: $label, svg: include_str!(concat!("../icons/", $id, ".svg")) }),*
        ];
    };
}

/// Every icon, in the order of `icons/icons.tsv`.
pub fn all() -> &'static [Icon] {
    ICONS
}

/// The icon with this id, if the set has it.
pub fn get(id: &str) -> Option<&'static Icon> {
    ICONS.iter().find(|icon| icon.id == id)
}

icons! {
    "accessibility" => "Accessibility",
    "activity" => "Activity",
    "anchor" => "Anchor",
    "apple" => "Apple",
    "atom" => "Atom",
    "award" => "Award",
    "badge-check" => "Verified badge",
    "bike" => "Cycling",
    "bird" => "Bird",
    "book-marked" => "Bookmarked book",
    "book-open" => "Open book",
    "bot" => "Robot",
    "brain" => "Brain",
    "braces" => "Braces",
    "briefcase" => "Briefcase",
    "building-2" => "Building",
    "calculator" => "Calculator",
    "camera" => "Camera",
    "chart-bar" => "Bar chart",
    "chart-line" => "Line chart",
    "chart-pie" => "Pie chart",
    "circuit-board" => "Circuit board",
    "clapperboard" => "Film",
    "clipboard-check" => "Checklist",
    "cloud" => "Cloud",
    "code" => "Code",
    "coffee" => "Coffee",
    "compass" => "Compass",
    "cpu" => "Processor",
    "crown" => "Crown",
    "database" => "Database",
    "dna" => "DNA",
    "drama" => "Theatre",
    "dumbbell" => "Fitness",
    "earth" => "Earth",
    "feather" => "Feather",
    "file-badge" => "Certificate",
    "flag" => "Flag",
    "flame" => "Flame",
    "flask-conical" => "Laboratory flask",
    "flower-2" => "Flower",
    "footprints" => "Footprints",
    "gamepad-2" => "Games",
    "gavel" => "Law",
    "gem" => "Gem",
    "gift" => "Gift",
    "globe" => "Globe",
    "graduation-cap" => "Graduation cap",
    "guitar" => "Guitar",
    "hammer" => "Hammer",
    "hand-heart" => "Helping hand",
    "handshake" => "Handshake",
    "hard-hat" => "Hard hat",
    "headphones" => "Headphones",
    "heart" => "Heart",
    "heart-pulse" => "Health",
    "id-card" => "ID card",
    "infinity" => "Infinity",
    "key" => "Key",
    "landmark" => "Landmark",
    "languages" => "Languages",
    "laptop" => "Laptop",
    "leaf" => "Leaf",
    "library" => "Library",
    "lightbulb" => "Light bulb",
    "lock" => "Security",
    "map" => "Map",
    "medal" => "Medal",
    "megaphone" => "Megaphone",
    "message-circle" => "Conversation",
    "mic" => "Microphone",
    "microscope" => "Microscope",
    "mountain" => "Mountain",
    "music" => "Music",
    "newspaper" => "Newspaper",
    "notebook-pen" => "Notebook",
    "orbit" => "Orbit",
    "palette" => "Palette",
    "paintbrush" => "Paintbrush",
    "paw-print" => "Paw print",
    "pen-tool" => "Design",
    "pencil" => "Pencil",
    "person-standing" => "Person",
    "pi" => "Pi",
    "piano" => "Piano",
    "plane" => "Aeroplane",
    "presentation" => "Presentation",
    "puzzle" => "Puzzle",
    "recycle" => "Recycling",
    "rocket" => "Rocket",
    "ruler" => "Ruler",
    "sailboat" => "Sailing",
    "satellite" => "Satellite",
    "scale" => "Balance",
    "school" => "School",
    "scroll-text" => "Scroll",
    "shield" => "Shield",
    "shield-check" => "Protected",
    "sigma" => "Sigma",
    "sparkles" => "Sparkles",
    "sprout" => "Sprout",
    "stethoscope" => "Stethoscope",
    "star" => "Star",
    "sun" => "Sun",
    "target" => "Target",
    "telescope" => "Telescope",
    "terminal" => "Terminal",
    "test-tube" => "Test tube",
    "thumbs-up" => "Thumbs up",
    "timer" => "Timer",
    "tree-pine" => "Tree",
    "trending-up" => "Growth",
    "trophy" => "Trophy",
    "users" => "Team",
    "utensils" => "Cooking",
    "vote" => "Vote",
    "wand-sparkles" => "Magic wand",
    "waves" => "Waves",
    "wrench" => "Wrench",
    "zap" => "Energy",
}
