//! Credentials kept out of what is printed and logged.

/// A URL (a database's, a Prometheus') with its password replaced, safe to print.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords_from_database_urls() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/rampart"), "postgres://app:***@db:5432/rampart");
        assert_eq!(redact("postgres://app@db/rampart"), "postgres://app@db/rampart");
    }
}
