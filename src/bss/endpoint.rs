//! Which hosts bssctl talks to, and the rule that only loopback may use
//! plain HTTP (TLS is always verified elsewhere).

use std::net::IpAddr;

pub const CHINA_BSS: &str = "https://bss.myhuaweicloud.com";
pub const INTL_BSS: &str = "https://bss-intl.myhuaweicloud.com";
pub const CHINA_IAM: &str = "https://iam.myhuaweicloud.com";
pub const INTL_IAM: &str = "https://iam.ap-southeast-1.myhuaweicloud.com";
/// `BssintlRegion` `eu-west-101` and `IamRegion` `eu-west-101` of the SDK.
pub const EUROPE_BSS: &str = "https://bss.myhuaweicloud.eu";
pub const EUROPE_IAM: &str = "https://iam.eu-west-101.myhuaweicloud.eu";

/// Which Huawei Cloud site the account belongs to (China or international).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Site {
    #[default]
    China,
    International,
    /// Huawei Cloud Europe (eu-west-101, `myhuaweicloud.eu`).
    Europe,
}

impl Site {
    pub fn bss_endpoint(self) -> &'static str {
        match self {
            Site::China => CHINA_BSS,
            Site::International => INTL_BSS,
            Site::Europe => EUROPE_BSS,
        }
    }

    /// The SDK's override variable for this site's BSS host
    /// (`HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`): it may hold a
    /// comma-separated list, tried in order when a host cannot be reached.
    pub fn bss_endpoint_env(self) -> &'static str {
        match self {
            Site::China => "HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1",
            Site::International => "HUAWEICLOUD_SDK_REGION_BSSINTL_AP_SOUTHEAST_1",
            Site::Europe => "HUAWEICLOUD_SDK_REGION_BSSINTL_EU_WEST_101",
        }
    }

    pub fn iam_endpoint(self) -> &'static str {
        match self {
            Site::China => CHINA_IAM,
            Site::International => INTL_IAM,
            Site::Europe => EUROPE_IAM,
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

/// A comma-separated endpoint list (the SDK's region variables), blanks
/// dropped; each entry must be a valid endpoint.
pub fn parse_list(urls: &str) -> Result<Vec<Endpoint>, String> {
    let list: Vec<Endpoint> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(Endpoint::parse)
        .collect::<Result<_, _>>()?;
    if list.is_empty() {
        return Err(format!("endpoint list {urls:?} is empty"));
    }
    Ok(list)
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

    #[test]
    fn endpoint_lists_keep_their_order_and_skip_blanks() {
        let l = parse_list(" https://a.example , ,http://127.0.0.1:9").unwrap();
        let bases: Vec<&str> = l.iter().map(|e| e.base.as_str()).collect();
        assert_eq!(bases, ["https://a.example", "http://127.0.0.1:9"]);
        assert!(parse_list(" , ").is_err());
        assert!(parse_list("https://a.example,http://b.example")
            .unwrap_err()
            .contains("only loopback"));
    }

    #[test]
    fn europe_has_the_sdk_hosts() {
        assert_eq!(Site::Europe.bss_endpoint(), "https://bss.myhuaweicloud.eu");
        assert_eq!(
            Site::Europe.iam_endpoint(),
            "https://iam.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            Site::International.bss_endpoint_env(),
            "HUAWEICLOUD_SDK_REGION_BSSINTL_AP_SOUTHEAST_1"
        );
    }
}
