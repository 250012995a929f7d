//! Selector matching: which live resources a `selectors` entry applies to.

use super::types::Match;
use crate::live::LiveResource;
use chrono::{DateTime, Utc};

/// A `match` block ready to test resources (its name glob compiled once).
#[derive(Debug, Clone)]
pub struct Matcher {
    criteria: Match,
    name: Option<glob::Pattern>,
}

impl Matcher {
    /// Fails only on an invalid name glob (load has already reported it).
    pub fn new(criteria: &Match) -> Result<Matcher, glob::PatternError> {
        let name = criteria
            .name
            .as_deref()
            .map(glob::Pattern::new)
            .transpose()?;
        Ok(Matcher {
            criteria: criteria.clone(),
            name,
        })
    }

    /// True when `r` is a main resource that is not closed and every given
    /// criterion holds. Attached resources follow their main, so they never
    /// match on their own. `expires_within` includes already expired
    /// resources (still in their grace period): they are the most urgent.
    pub fn matches(&self, r: &LiveResource, now: DateTime<Utc>) -> bool {
        if !r.is_main || r.is_closed() {
            return false;
        }
        let c = &self.criteria;
        let exact = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        exact(&c.service_type, &r.service_type)
            && exact(&c.resource_type, &r.resource_type)
            && exact(&c.region, &r.region)
            && exact(&c.project_id, &r.project_id)
            && c.enterprise_project
                .as_deref()
                .is_none_or(|ep| ep == r.enterprise_project_id || ep == r.enterprise_project_name)
            && self.name.as_ref().is_none_or(|p| p.matches(&r.name))
            && c.expires_within.is_none_or(|d| match r.expire_time {
                // Past the representable range: everything is "within".
                Some(t) => now
                    .checked_add_signed(d.to_chrono())
                    .is_none_or(|limit| t <= limit),
                None => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bss::model::{EnterpriseProject, OrderInstanceV2};
    use crate::manifest::duration::Duration;

    fn live(f: impl FnOnce(&mut OrderInstanceV2)) -> LiveResource {
        let mut row = OrderInstanceV2 {
            resource_id: Some("r1".into()),
            resource_name: Some("prod-web-01".into()),
            region_code: Some("cn-north-4".into()),
            service_type_code: Some("hws.service.type.ec2".into()),
            resource_type_code: Some("hws.resource.type.vm".into()),
            project_id: Some("p1".into()),
            is_main_resource: Some(1),
            status: Some(2),
            expire_time: Some("2026-12-01T00:00:00Z".into()),
            expire_policy: Some(0),
            enterprise_project: Some(EnterpriseProject {
                id: Some("ep-123".into()),
                name: Some("prod".into()),
            }),
            ..Default::default()
        };
        f(&mut row);
        LiveResource::from_row(row).unwrap()
    }

    fn now() -> DateTime<Utc> {
        crate::clock::parse_api_time("2026-11-01T00:00:00Z").unwrap()
    }

    fn m(f: impl FnOnce(&mut Match)) -> Matcher {
        let mut c = Match::default();
        f(&mut c);
        Matcher::new(&c).unwrap()
    }

    #[test]
    fn each_criterion() {
        let r = live(|_| {});
        let cases: Vec<(&str, Matcher, bool)> = vec![
            (
                "service",
                m(|c| c.service_type = Some("hws.service.type.ec2".into())),
                true,
            ),
            (
                "service other",
                m(|c| c.service_type = Some("hws.service.type.evs".into())),
                false,
            ),
            (
                "resource_type",
                m(|c| c.resource_type = Some("hws.resource.type.vm".into())),
                true,
            ),
            ("region", m(|c| c.region = Some("cn-north-4".into())), true),
            (
                "region prefix is not enough",
                m(|c| c.region = Some("cn-north".into())),
                false,
            ),
            ("project", m(|c| c.project_id = Some("p1".into())), true),
            (
                "ep by id",
                m(|c| c.enterprise_project = Some("ep-123".into())),
                true,
            ),
            (
                "ep by name",
                m(|c| c.enterprise_project = Some("prod".into())),
                true,
            ),
            (
                "ep other",
                m(|c| c.enterprise_project = Some("dev".into())),
                false,
            ),
            ("glob", m(|c| c.name = Some("prod-*".into())), true),
            ("glob ?", m(|c| c.name = Some("prod-web-0?".into())), true),
            ("glob no", m(|c| c.name = Some("dev-*".into())), false),
            (
                "glob is anchored",
                m(|c| c.name = Some("web".into())),
                false,
            ),
            (
                "all",
                m(|c| {
                    c.region = Some("cn-north-4".into());
                    c.name = Some("*web*".into());
                }),
                true,
            ),
            (
                "one of all fails",
                m(|c| {
                    c.region = Some("cn-north-4".into());
                    c.name = Some("x*".into());
                }),
                false,
            ),
        ];
        for (what, matcher, want) in cases {
            assert_eq!(matcher.matches(&r, now()), want, "{what}");
        }
    }

    #[test]
    fn expires_within_boundaries() {
        // Expires 2026-12-01, now 2026-11-01: exactly 30 days away.
        let r = live(|_| {});
        let within = |d: Duration| m(|c| c.expires_within = Some(d)).matches(&r, now());
        assert!(
            within(Duration::days(30).unwrap()),
            "the boundary is inclusive"
        );
        assert!(!within(Duration::days(29).unwrap()));
        assert!(!within(Duration::hours(719).unwrap()));
        assert!(within(Duration::hours(720).unwrap()));
        assert!(within(Duration::weeks(5).unwrap()));
        let expired = live(|row| row.expire_time = Some("2026-10-01T00:00:00Z".into()));
        assert!(m(|c| c.expires_within = Some(Duration::days(1).unwrap())).matches(&expired, now()));
        let unknown = live(|row| row.expire_time = None);
        assert!(
            !m(|c| c.expires_within = Some(Duration::days(1).unwrap())).matches(&unknown, now())
        );
        let far = Duration::weeks(u32::MAX).unwrap();
        assert!(m(|c| c.expires_within = Some(far)).matches(&r, now()));
    }

    #[test]
    fn attached_and_closed_never_match() {
        let any = m(|c| c.name = Some("*".into()));
        assert!(any.matches(&live(|_| {}), now()));
        let attached = live(|row| {
            row.is_main_resource = Some(0);
            row.parent_resource_id = Some("vm".into());
        });
        assert!(!any.matches(&attached, now()));
        assert!(!any.matches(&live(|row| row.status = Some(3)), now()));
    }
}
