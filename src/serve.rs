//! `backlot serve`: the built site served from memory on 127.0.0.1.
//!
//! Serving an in-memory [`OutputSet`] means no request path ever reaches
//! the filesystem, and no request can see a half-written site. Binding to
//! loopback only: a preview server is not meant to be reachable from the
//! network. Watching and live reload come with the serve issue.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use tiny_http::{Header, Response, StatusCode};

use crate::output::OutputSet;

pub struct Server {
    http: Arc<tiny_http::Server>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (port 0 picks a free one).
    pub fn bind(port: u16) -> Result<Server> {
        let http = tiny_http::Server::http(("127.0.0.1", port))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("binding 127.0.0.1:{port}"))?;
        Ok(Server {
            http: Arc::new(http),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.http
            .server_addr()
            .to_ip()
            .expect("bound to an IP address")
    }

    /// Serves until the process ends, on a few worker threads.
    pub fn run(self, site: Arc<OutputSet>) {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let http = Arc::clone(&self.http);
                let site = Arc::clone(&site);
                std::thread::spawn(move || {
                    for request in http.incoming_requests() {
                        let response = respond(&site, request.url());
                        // A client that went away is not our problem.
                        let _ = request.respond(response);
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

/// What to answer for a request path (without scheme and host).
pub fn respond(site: &OutputSet, url: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let Some(decoded) = percent_decode(path) else {
        return not_found(site);
    };
    let rel = decoded.trim_start_matches('/');
    let candidate = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if let Some(bytes) = site.get(&candidate) {
        return Response::from_data(bytes.to_vec())
            .with_header(header("Content-Type", content_type(&candidate)))
            .with_header(header("X-Content-Type-Options", "nosniff"))
            .with_header(header("Cache-Control", "no-cache"));
    }
    // `/catalog/default/component/x` → `/catalog/default/component/x/`,
    // as static hosts do for folders.
    if !rel.is_empty() && !rel.ends_with('/') && site.contains(&format!("{rel}/index.html")) {
        return Response::from_data(Vec::new())
            .with_status_code(StatusCode(301))
            .with_header(header("Location", &format!("{path}/")));
    }
    not_found(site)
}

fn not_found(site: &OutputSet) -> Response<std::io::Cursor<Vec<u8>>> {
    let body = site
        .get("404.html")
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| b"<!doctype html><title>Not found</title><h1>Not found</h1>".to_vec());
    Response::from_data(body)
        .with_status_code(StatusCode(404))
        .with_header(header("Content-Type", "text/html; charset=utf-8"))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names and values are valid")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Decodes `%XX` escapes; `None` for malformed escapes or invalid UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> OutputSet {
        let mut s = OutputSet::new();
        s.insert("index.html", "home");
        s.insert("catalog/default/component/a/index.html", "a");
        s.insert("static/x.css", "css");
        s
    }

    #[test]
    fn serves_index_files_and_redirects_folders() {
        let s = site();
        assert_eq!(respond(&s, "/").status_code(), StatusCode(200));
        assert_eq!(
            respond(&s, "/catalog/default/component/a/").status_code(),
            StatusCode(200)
        );
        assert_eq!(
            respond(&s, "/catalog/default/component/a").status_code(),
            StatusCode(301)
        );
        assert_eq!(
            respond(&s, "/static/x.css?v=1").status_code(),
            StatusCode(200)
        );
    }

    #[test]
    fn traversal_and_garbage_are_not_found() {
        let s = site();
        for url in [
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%zz",
            "/%ff%fe",
        ] {
            assert_eq!(respond(&s, url).status_code(), StatusCode(404), "{url}");
        }
    }
}
