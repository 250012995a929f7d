//! Which hosts bssctl talks to, and the rule that only loopback may use
//! plain HTTP (TLS is always verified elsewhere).

use std::net::IpAddr;

pub const CHINA_BSS: &str = "https://bss.myhuaweicloud.com";
pub const INTL_BSS: &str = "https://bss-intl.myhuaweicloud.com";
pub const CHINA_IAM: &str = "https://iam.myhuaweicloud.com";
pub const INTL_IAM: &str = "https://iam.ap-southeast-1.myhuaweicloud.com";

/// Which Huawei Cloud site the account belongs to (China or international).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Site {
    #[default]
    China,
    International,
}

impl Site {
    pub fn bss_endpoint(self) -> &'static str {
        match self {
            Site::China => CHINA_BSS,
            Site::International => INTL_BSS,
        }
    }

    pub fn iam_endpoint(self) -> &'static str {
        match self {
            Site::China => CHINA_IAM,
            Site::International => INTL_IAM,
        }
    }
}

/// A parsed base URL: scheme, host as sent in `Host`, and no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub base: String,
    pub host_header: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
            format!("endpoint {url:?} is not a URL ({e}); example: https://bss.myhuaweicloud.com")
        })?;
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("endpoint {url:?} has no host"))?
            .to_string();
        match parsed.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(format!(
                    "endpoint {url:?} uses plain http; only loopback hosts (127.0.0.1, localhost) may, others need https"
                ))
            }
            other => return Err(format!("endpoint {url:?}: unsupported scheme {other:?}")),
        }
        if parsed.path() != "/" && !parsed.path().is_empty() {
            return Err(format!("endpoint {url:?} must not have a path"));
        }
        let host_header = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(Endpoint {
            base: format!("{}://{}", parsed.scheme(), host_header),
            host_header,
        })
    }
}

pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_for_loopback() {
        assert!(Endpoint::parse("http://127.0.0.1:8080").is_ok());
        assert!(Endpoint::parse("http://localhost:1").is_ok());
        assert!(Endpoint::parse("http://bss.myhuaweicloud.com")
            .unwrap_err()
            .contains("only loopback"));
        let e = Endpoint::parse("https://bss.myhuaweicloud.com").unwrap();
        assert_eq!(e.host_header, "bss.myhuaweicloud.com");
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:9").unwrap().host_header,
            "127.0.0.1:9"
        );
        assert!(Endpoint::parse("https://x/y").is_err());
    }
}
