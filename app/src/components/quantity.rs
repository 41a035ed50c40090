//! Kubernetes quantities as a person reads them, one way everywhere: memory and storage in
//! binary units (`83.5 GiB`), CPU in cores with sensible precision (`2.8 cores`, `250m`), every
//! other resource (`pods`, `nvidia.com/gpu`, `count/…`) as a count; a quota's use against its
//! hard limit with the headroom left, and the band its share of the limit falls in.

/// What a quota resource counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Cores,
    Count,
}

/// The unit of a ResourceQuota resource name (`requests.memory`, `limits.cpu`, `pods`).
pub fn unit_of(resource: &str) -> Unit {
    let base = resource.rsplit('.').next().unwrap_or(resource);
    if resource.ends_with("memory") || resource.ends_with("storage") || base == "ephemeral-storage" {
        Unit::Bytes
    } else if resource == "cpu" || resource.ends_with(".cpu") {
        Unit::Cores
    } else {
        Unit::Count
    }
}

/// A value of `resource` with its unit.
pub fn quantity(resource: &str, value: f64) -> String {
    match unit_of(resource) {
        Unit::Bytes => bytes(value),
        Unit::Cores => cores(value),
        Unit::Count => count(value, resource),
    }
}

/// Bytes in the largest binary unit that keeps the number at least 1, with three significant
/// digits at most (`512 MiB`, `83.5 GiB`, `1.25 TiB`).
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut scaled = value.max(0.0);
    let mut unit = 0;
    while scaled >= 1024.0 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    format!("{} {}", significant(scaled), UNITS[unit])
}

/// CPU in cores: millicores under one core (`250m`), else cores to at most two decimals.
pub fn cores(value: f64) -> String {
    let value = value.max(0.0);
    if value > 0.0 && value < 1.0 {
        return format!("{:.0}m", value * 1000.0);
    }
    let text = trimmed(value, 2);
    if text == "1" { "1 core".into() } else { format!("{text} cores") }
}

fn count(value: f64, resource: &str) -> String {
    let text = trimmed(value, 2);
    if resource.ends_with("nvidia.com/gpu") || resource.contains("nvidia.com/mig-") {
        return if text == "1" { "1 GPU".into() } else { format!("{text} GPUs") };
    }
    text
}

/// At most three significant digits, trailing zeros dropped.
fn significant(value: f64) -> String {
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    trimmed(value, decimals)
}

fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
    if text == "-0" { "0".into() } else { text }
}

/// How full a quota resource is, by its share of the hard limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// Below 75%.
    Room,
    /// 75% to 90%: nearly full.
    Amber,
    /// At or above 90% (`domain::quota::NEARLY_FULL_PCT`).
    Red,
    /// A hard limit of 0: nothing may be used.
    NoneAllowed,
}

/// The amber band starts here, in percent of the hard limit.
pub const AMBER_PCT: f64 = 75.0;

impl Band {
    /// The band of `used` against `hard`.
    pub fn of(used: f64, hard: f64) -> Band {
        if hard <= 0.0 {
            return Band::NoneAllowed;
        }
        let pct = 100.0 * used / hard;
        if pct >= domain::quota::NEARLY_FULL_PCT {
            Band::Red
        } else if pct >= AMBER_PCT {
            Band::Amber
        } else {
            Band::Room
        }
    }

    /// The CSS class of a row in this band.
    pub fn class(self) -> &'static str {
        match self {
            Band::Room => "",
            Band::Amber => "near",
            Band::Red | Band::NoneAllowed => "over",
        }
    }
}

/// A quota resource's use as a person reads it: `83.5 GiB of 134 GiB`, or, with a hard limit
/// of 0 (which Kubernetes reads as "none may be used"), `0 of none allowed`.
pub fn used_of_hard(resource: &str, used: f64, hard: f64) -> String {
    if hard <= 0.0 {
        return format!("{} of none allowed", quantity(resource, used));
    }
    format!("{} of {}", quantity(resource, used), quantity(resource, hard))
}

/// What is left under the hard limit (`4 GPUs left`, `50.5 GiB left`), or `over by …`.
pub fn headroom(resource: &str, used: f64, hard: f64) -> String {
    if hard <= 0.0 {
        return "none allowed".into();
    }
    let left = hard - used;
    if left >= 0.0 {
        format!("{} left", quantity(resource, left))
    } else {
        format!("over by {}", quantity(resource, -left))
    }
}

/// The share of the hard limit used, or an em dash when the limit is 0.
pub fn share(used: f64, hard: f64) -> String {
    if hard <= 0.0 { "—".into() } else { format!("{:.0}%", 100.0 * used / hard) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_a_person_writes_them() {
        assert_eq!(used_of_hard("requests.memory", 89_657_442_304.0, 143_881_404_416.0), "83.5 GiB of 134 GiB");
        assert_eq!(quantity("requests.cpu", 2.800_000_000_000_000_3), "2.8 cores");
        assert_eq!(quantity("limits.cpu", 64.0), "64 cores");
        assert_eq!(quantity("cpu", 0.25), "250m");
        assert_eq!(quantity("requests.cpu", 1.0), "1 core");
        assert_eq!(quantity("requests.storage", 512.0 * 1024.0 * 1024.0), "512 MiB");
        assert_eq!(quantity("pods", 17.0), "17");
        assert_eq!(quantity("requests.nvidia.com/gpu", 4.0), "4 GPUs");
        assert_eq!(bytes(0.0), "0 B");
    }

    #[test]
    fn a_hard_limit_of_zero_allows_nothing_and_shows_no_percentage() {
        assert_eq!(used_of_hard("requests.nvidia.com/gpu", 0.0, 0.0), "0 GPUs of none allowed");
        assert_eq!(share(0.0, 0.0), "—");
        assert_eq!(Band::of(0.0, 0.0), Band::NoneAllowed);
    }

    #[test]
    fn headroom_and_bands_follow_the_share_used() {
        assert_eq!(headroom("requests.nvidia.com/gpu", 12.0, 16.0), "4 GPUs left");
        assert_eq!(headroom("pods", 12.0, 10.0), "over by 2");
        assert_eq!(Band::of(50.0, 100.0), Band::Room);
        assert_eq!(Band::of(80.0, 100.0), Band::Amber);
        assert_eq!(Band::of(95.0, 100.0), Band::Red);
        assert_eq!(Band::of(80.0, 100.0).class(), "near");
    }
}
