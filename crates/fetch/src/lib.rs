//! `insignia-fetch`: the one HTTP client the verifier uses for URLs that come
//! from untrusted input (badge assertions, issuer profiles, revocation lists,
//! verification-method documents).
//!
//! A URL inside a badge is chosen by whoever made the badge, so fetching it
//! blindly is a server-side request forgery (SSRF) hole: a badge could point
//! the verifier at `http://169.254.169.254/latest/meta-data/` (cloud
//! credentials), at `http://127.0.0.1:6379/`, or at a machine on the private
//! network. [`Fetcher`] refuses all of those:
//!
//! * only `https` is allowed (`http` only when [`FetchPolicy::allow_http`] is
//!   set, for local testing);
//! * a host written as an IP literal must be a public address;
//! * a host name is resolved by this crate's own resolver, which drops every
//!   non-public address before the connection is made (see [`classify`]);
//! * redirects are followed by hand, re-checking scheme and host on every hop,
//!   at most [`FetchPolicy::max_redirects`] times;
//! * the body is capped at [`FetchPolicy::max_bytes`], both from the
//!   `Content-Length` header and while streaming;
//! * connecting and the whole fetch (all hops and the body) are time-limited.
//!
//! Non-2xx statuses are returned, not turned into errors: the caller decides
//! what they mean (for Open Badges 2.0, HTTP 410 means the badge is revoked).

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use url::{Host, Url};

/// What [`Fetcher`] may do. [`Default`] gives the safe values used in
/// production: `https` only, every non-public address refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow plain `http` URLs. Only for local testing.
    pub allow_http: bool,
    /// Allow every non-public address (loopback, private ranges, link-local
    /// including the cloud metadata address, CGNAT, ...). Tests only.
    pub allow_private_addresses: bool,
    /// Allow loopback addresses only (`127.0.0.0/8`, `::1` and their
    /// IPv4-mapped forms), while every other non-public address stays
    /// refused. This lets a test talk to a server on `127.0.0.1` and still
    /// check that a redirect from it to `169.254.169.254` is refused.
    /// Implied by [`FetchPolicy::allow_private_addresses`].
    pub allow_loopback: bool,
    /// Time allowed to open one TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole fetch: every redirect hop and the body.
    pub total_timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_bytes: usize,
    /// Most redirects followed before giving up.
    pub max_redirects: usize,
    /// **Tests only**: serve these hosts from a local test server. A URL
    /// `SCHEME://HOST[:PORT]/PATH?QUERY` whose host is listed here (exact,
    /// case-insensitive match; `*` matches every host, for a test that must
    /// never reach the internet) is requested as `http://ADDR/HOST/PATH?QUERY`
    /// from the listed socket address, so that a test can answer for
    /// `https://issuer.example/` with published documents and run the real
    /// online paths without internet. The rewritten URL goes through every
    /// check like any other (it needs [`FetchPolicy::allow_http`] and
    /// [`FetchPolicy::allow_loopback`] for a server on `127.0.0.1`);
    /// [`Fetched::final_url`] and redirects stay in terms of the original URL.
    /// Empty by default, and nothing in the production code paths sets it.
    pub test_host_overrides: Vec<(String, SocketAddr)>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow_http: false,
            allow_private_addresses: false,
            allow_loopback: false,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_bytes: 2 * 1024 * 1024,
            max_redirects: 5,
            test_host_overrides: Vec::new(),
        }
    }
}

impl FetchPolicy {
    /// Whether this policy lets a connection go to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        AddressRules::from(self).permits(ip)
    }
}

/// Why a fetch failed. Non-2xx HTTP statuses are not errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL's scheme is not `https` (or `http` when allowed).
    #[error("URL scheme `{scheme}` is not allowed (only https)")]
    NotAllowedScheme {
        /// The scheme that was refused.
        scheme: String,
    },
    /// The host is a non-public IP address, or resolves only to such.
    #[error(
        "host `{host}` is a private or internal address, or resolves only to private addresses"
    )]
    PrivateAddress {
        /// The host as written in the URL.
        host: String,
    },
    /// More redirects than [`FetchPolicy::max_redirects`].
    #[error("too many redirects (more than {limit})")]
    TooManyRedirects {
        /// The limit that was passed.
        limit: usize,
    },
    /// The body is larger than [`FetchPolicy::max_bytes`].
    #[error("response body is larger than {limit} bytes")]
    TooLarge {
        /// The limit that was passed.
        limit: usize,
    },
    /// Connecting or the whole fetch took too long.
    #[error("the request timed out")]
    Timeout,
    /// Any other network or HTTP failure.
    #[error("network error: {0}")]
    Network(String),
    /// The URL (or a redirect's `Location`) could not be parsed or has no host.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
}

/// A fetched response (after redirects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL the body came from, after following redirects.
    pub final_url: String,
    /// The HTTP status of the last response (may be non-2xx).
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, at most [`FetchPolicy::max_bytes`] long.
    pub body: Bytes,
}

/// What kind of address an IP is, for SSRF purposes. Only
/// [`AddressClass::Public`] is reachable under the default policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// A globally routable address.
    Public,
    /// `0.0.0.0`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`.
    Private,
    /// Carrier-grade NAT, `100.64.0.0/10`.
    SharedAddressSpace,
    /// `169.254.0.0/16` (includes the cloud metadata address
    /// `169.254.169.254`), `fe80::/10`.
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`.
    Documentation,
    /// IPv6 unique local addresses, `fc00::/7`.
    UniqueLocal,
    /// Other special-purpose ranges: `0.0.0.0/8` ("this network"),
    /// `192.0.0.0/24`, `198.18.0.0/15` (benchmarking), `240.0.0.0/4`,
    /// `100::/64` (discard), `fec0::/10` (old site-local).
    Reserved,
}

/// Classify an address. IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) IPv6 addresses are classified
/// by the IPv4 address they carry.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let o = ip.octets();
    if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_broadcast() {
        AddressClass::Broadcast
    } else if o[0] == 0 {
        AddressClass::Reserved
    } else if o[0] == 127 {
        AddressClass::Loopback
    } else if o[0] == 10 || (o[0] == 172 && (o[1] & 0xf0) == 16) || (o[0] == 192 && o[1] == 168) {
        AddressClass::Private
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        AddressClass::SharedAddressSpace
    } else if o[0] == 169 && o[1] == 254 {
        AddressClass::LinkLocal
    } else if (o[0] & 0xf0) == 224 {
        AddressClass::Multicast
    } else if (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)
    {
        AddressClass::Documentation
    } else if (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || (o[0] & 0xf0) == 240
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let s = ip.segments();
    if ip.is_unspecified() {
        return AddressClass::Unspecified;
    }
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated).
    if s[0..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    // 64:ff9b::/96, NAT64 well-known prefix.
    if s[0..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    if (s[0] & 0xff00) == 0xff00 {
        AddressClass::Multicast
    } else if (s[0] & 0xffc0) == 0xfe80 {
        AddressClass::LinkLocal
    } else if (s[0] & 0xfe00) == 0xfc00 {
        AddressClass::UniqueLocal
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        AddressClass::Documentation
    } else if (s[0] & 0xffc0) == 0xfec0 || s[0..4] == [0x100, 0, 0, 0] {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The two address switches of a policy, shared with the resolver.
#[derive(Debug, Clone, Copy)]
struct AddressRules {
    allow_private: bool,
    allow_loopback: bool,
}

impl From<&FetchPolicy> for AddressRules {
    fn from(p: &FetchPolicy) -> Self {
        AddressRules {
            allow_private: p.allow_private_addresses,
            allow_loopback: p.allow_loopback,
        }
    }
}

impl AddressRules {
    fn permits(self, ip: IpAddr) -> bool {
        match classify(ip) {
            AddressClass::Public => true,
            AddressClass::Loopback => self.allow_loopback || self.allow_private,
            _ => self.allow_private,
        }
    }
}

/// The error our resolver returns when a name has no public address left.
#[derive(Debug)]
struct OnlyPrivateAddresses {
    host: String,
}

impl fmt::Display for OnlyPrivateAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} resolves only to private addresses", self.host)
    }
}

impl StdError for OnlyPrivateAddresses {}

/// DNS resolver that drops non-public addresses.
///
/// Why reqwest's default resolver is not enough: checking a host name
/// *before* the request (resolve it, look at the addresses, then hand the URL
/// to reqwest) does not work, because reqwest resolves the name again when it
/// connects. A hostile DNS server can answer the check with a public address
/// and the connection with `127.0.0.1` or `169.254.169.254` (DNS rebinding),
/// and a name that simply points at `127.0.0.1` would go through the default
/// resolver unchecked. Filtering inside the resolver that reqwest itself
/// uses means the addresses that are checked are exactly the addresses that
/// are connected to.
#[derive(Debug, Clone, Copy)]
struct FilteringResolver {
    rules: AddressRules,
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rules = self.rules;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| rules.permits(addr.ip()))
                .collect();
            if kept.is_empty() {
                return Err(
                    Box::new(OnlyPrivateAddresses { host }) as Box<dyn StdError + Send + Sync>
                );
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The SSRF-safe HTTP client. Keeps an in-memory cache so that one
/// verification run fetches each URL once; make one `Fetcher` per run.
#[derive(Debug)]
pub struct Fetcher {
    policy: FetchPolicy,
    client: reqwest::Client,
    /// Keyed by (requested URL, Accept header): the same URL asked for with
    /// a different Accept may legitimately answer differently.
    cache: Mutex<HashMap<(String, String), Fetched>>,
}

impl Fetcher {
    /// Build a fetcher for `policy`.
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        let resolver = FilteringResolver {
            rules: AddressRules::from(&policy),
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the target itself, out of our resolver's reach.
            .no_proxy()
            .dns_resolver(Arc::new(resolver))
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.total_timeout)
            .user_agent(concat!("insignia-fetch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Network(error_chain(&e)))?;
        Ok(Fetcher {
            policy,
            client,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The policy this fetcher enforces.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Fetch `url` with the given `Accept` header, following redirects.
    /// A second call with the same URL and `Accept` is answered from the
    /// cache. Non-2xx statuses are returned, not errors.
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        let start = parse_url(url)?;
        let key = (start.as_str().to_owned(), accept.to_owned());
        if let Some(hit) = self.lock_cache().get(&key) {
            return Ok(hit.clone());
        }
        let fetched = tokio::time::timeout(self.policy.total_timeout, self.fetch(start, accept))
            .await
            .map_err(|_| FetchError::Timeout)??;
        self.lock_cache().insert(key, fetched.clone());
        Ok(fetched)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Fetched>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn fetch(&self, start: Url, accept: &str) -> Result<Fetched, FetchError> {
        let mut current = start;
        let mut redirects = 0usize;
        loop {
            let target = self.overridden(&current)?;
            self.check_url(&target)?;
            let response = self
                .client
                .get(target.clone())
                .header(ACCEPT, accept)
                .send()
                .await
                .map_err(|e| {
                    // Name the URL that was asked for, not its local stand-in.
                    match map_reqwest_error(&e, &target) {
                        FetchError::Network(text) if target != current => {
                            FetchError::Network(text.replace(target.as_str(), current.as_str()))
                        }
                        other => other,
                    }
                })?;
            let status = response.status();
            // 300 and 304 are not redirects to follow; hand them back as they are.
            if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
                if let Some(location) = response.headers().get(LOCATION) {
                    let location = location.to_str().map_err(|_| {
                        FetchError::InvalidUrl("redirect Location is not text".into())
                    })?;
                    let next = current.join(location).map_err(|e| {
                        FetchError::InvalidUrl(format!("redirect to `{location}`: {e}"))
                    })?;
                    if redirects >= self.policy.max_redirects {
                        return Err(FetchError::TooManyRedirects {
                            limit: self.policy.max_redirects,
                        });
                    }
                    redirects += 1;
                    current = next;
                    continue;
                }
            }
            return self.read_body(response, current).await;
        }
    }

    async fn read_body(
        &self,
        mut response: reqwest::Response,
        url: Url,
    ) -> Result<Fetched, FetchError> {
        let limit = self.policy.max_bytes;
        if let Some(len) = response.content_length() {
            if len > limit as u64 {
                return Err(FetchError::TooLarge { limit });
            }
        }
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| map_reqwest_error(&e, &url))?
        {
            if body.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            final_url: url.into(),
            status,
            content_type,
            body: body.freeze(),
        })
    }

    /// The URL actually requested for `url`: itself, or its local stand-in
    /// under [`FetchPolicy::test_host_overrides`].
    fn overridden(&self, url: &Url) -> Result<Url, FetchError> {
        let Some(host) = url.host_str() else {
            return Ok(url.clone());
        };
        let Some((_, addr)) = self
            .policy
            .test_host_overrides
            .iter()
            .find(|(name, _)| name == "*" || name.eq_ignore_ascii_case(host))
        else {
            return Ok(url.clone());
        };
        let mut local = format!("http://{addr}/{host}{}", url.path());
        if let Some(query) = url.query() {
            local.push('?');
            local.push_str(query);
        }
        parse_url(&local)
    }

    /// Scheme and IP-literal checks, done on every hop before connecting.
    fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.policy.allow_http => {}
            other => {
                return Err(FetchError::NotAllowedScheme {
                    scheme: other.to_owned(),
                });
            }
        }
        let ip = match url.host() {
            None => return Err(FetchError::InvalidUrl(format!("`{url}` has no host"))),
            // Names are checked by the resolver when connecting.
            Some(Host::Domain(_)) => return Ok(()),
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        };
        if self.policy.permits(ip) {
            Ok(())
        } else {
            Err(FetchError::PrivateAddress {
                host: url.host_str().unwrap_or_default().to_owned(),
            })
        }
    }
}

fn parse_url(url: &str) -> Result<Url, FetchError> {
    Url::parse(url).map_err(|e| FetchError::InvalidUrl(format!("`{url}`: {e}")))
}

fn map_reqwest_error(e: &reqwest::Error, url: &Url) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<OnlyPrivateAddresses>().is_some() {
            return FetchError::PrivateAddress {
                host: url.host_str().unwrap_or_default().to_owned(),
            };
        }
        source = err.source();
    }
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Network(error_chain(e))
    }
}

fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifier_table() {
        use AddressClass::*;
        let table: &[(&str, AddressClass)] = &[
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("93.184.216.34", Public),
            ("172.15.255.255", Public),
            ("172.32.0.1", Public),
            ("100.63.255.255", Public),
            ("100.128.0.1", Public),
            ("169.253.1.1", Public),
            ("223.255.255.255", Public),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Reserved),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("192.0.0.8", Reserved),
            ("198.18.0.1", Reserved),
            ("198.19.255.255", Reserved),
            ("240.0.0.1", Reserved),
            ("2606:4700:4700::1111", Public),
            ("2001:4860:4860::8888", Public),
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("fec0::1", Reserved),
            ("100::1", Reserved),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:8.8.8.8", Public),
            ("::127.0.0.1", Loopback),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("64:ff9b::808:808", Public),
        ];
        for (text, want) in table {
            let ip: IpAddr = text.parse().expect("test address parses");
            assert_eq!(classify(ip), *want, "{text}");
        }
    }

    #[test]
    fn policy_switches() {
        let loopback: IpAddr = "127.0.0.1".parse().expect("parses");
        let metadata: IpAddr = "169.254.169.254".parse().expect("parses");
        let public: IpAddr = "8.8.8.8".parse().expect("parses");

        let safe = FetchPolicy::default();
        assert!(safe.permits(public));
        assert!(!safe.permits(loopback));
        assert!(!safe.permits(metadata));

        let loopback_only = FetchPolicy {
            allow_loopback: true,
            ..FetchPolicy::default()
        };
        assert!(loopback_only.permits(loopback));
        assert!(!loopback_only.permits(metadata));

        let all = FetchPolicy {
            allow_private_addresses: true,
            ..FetchPolicy::default()
        };
        assert!(all.permits(loopback));
        assert!(all.permits(metadata));
    }

    #[test]
    fn default_policy_values() {
        let p = FetchPolicy::default();
        assert!(!p.allow_http && !p.allow_private_addresses && !p.allow_loopback);
        assert_eq!(p.connect_timeout, Duration::from_secs(5));
        assert_eq!(p.total_timeout, Duration::from_secs(15));
        assert_eq!(p.max_bytes, 2 * 1024 * 1024);
        assert_eq!(p.max_redirects, 5);
    }
}
