//! Values that must never be printed: `rampart config check`, `{:?}` and logs show them as set or
//! not, never their text.

use serde::{Deserialize, Deserializer};

/// A credential (a bearer token, a client secret). Its `Debug` says only that it is set; the
/// value is reached through [`Secret::expose`], at the one place that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself, for the code that presents it to whoever asks for it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<set, not shown>")
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

/// Implements `Deserialize` for a newtype through its `FromStr`, so that a value that does not
/// parse fails the configuration's load with the parser's message, at its key.
macro_rules! deserialize_from_str {
    ($type:ty) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use deserialize_from_str;

/// An `http://` or `https://` URL (a Prometheus, the public address). It may carry basic-auth
/// credentials, so its `Debug` replaces the password.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    /// The URL as configured, credentials included, for the client that sends it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for HttpUrl {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if text.starts_with("http://") || text.starts_with("https://") {
            Ok(HttpUrl(text.to_string()))
        } else {
            Err(format!("{text:?} must start with http:// or https://"))
        }
    }
}
deserialize_from_str!(HttpUrl);

impl std::fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", crate::redact::redact(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_secret_never_shows_its_value() {
        let secret = Secret::from("hunter2");
        assert_eq!(format!("{secret:?}"), "<set, not shown>");
        assert_eq!(secret.expose(), "hunter2");
    }
}
