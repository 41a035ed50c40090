//! Where the files served beside the pages (the style sheet) come from.

use std::path::PathBuf;

/// The directory CSS is served from: `RAMPART_STYLE_DIR`, else `./style`, else the source tree's.
pub fn style_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RAMPART_STYLE_DIR") {
        return dir.into();
    }
    let local = PathBuf::from("style");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../style"))
}

/// [`style_dir`] as an absolute path, the only directory files are served from; an error saying
/// what to set when it does not exist, so the server refuses to start rather than serve from
/// wherever it was started.
pub fn static_dir() -> Result<PathBuf, String> {
    existing_dir(style_dir())
}

fn existing_dir(dir: PathBuf) -> Result<PathBuf, String> {
    match dir.canonicalize() {
        Ok(absolute) if absolute.is_dir() => Ok(absolute),
        _ => Err(format!(
            "the style directory {} does not exist: set RAMPART_STYLE_DIR to the directory holding rampart.css",
            dir.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_served_from_an_absolute_directory_that_exists_or_not_at_all() {
        let served = static_dir().unwrap();
        assert!(served.is_absolute() && served.join("rampart.css").is_file(), "{}", served.display());
        let missing = existing_dir(PathBuf::from("no/such/style")).unwrap_err();
        assert!(missing.contains("no/such/style") && missing.contains("RAMPART_STYLE_DIR"), "{missing}");
    }
}
