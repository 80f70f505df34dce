//! nginx (Debian's package) started by a test with its own configuration,
//! port and folder: the load balancer in front of several instances, or the
//! TLS-terminating proxy that passes a client certificate on.

use crate::helpers::temp_path;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx; stopped (and its folder removed) on drop.
pub struct Nginx {
    child: Child,
    /// `http://127.0.0.1:port` or `https://…`
    pub base: String,
    dir: PathBuf,
}

fn nginx_binary() -> String {
    std::env::var("NGINX").unwrap_or_else(|_| {
        ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("nginx")
            .to_owned()
    })
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl Nginx {
    /// nginx in front of `upstreams`, on a free loopback port.
    pub async fn start(upstreams: &[&str]) -> Nginx {
        let servers: String = upstreams
            .iter()
            .map(|u| format!("    server {} max_fails=0;\n", u.trim_start_matches("http://")))
            .collect();
        // No upstream keepalive: a connection to a stopping instance is
        // refused, never half-used, so nginx passes the request to the other
        // one (`proxy_next_upstream error`), which is safe for every method
        // because the refused instance never saw the request.
        let http = |port: u16, _: &Path| {
            format!(
                "upstream portal {{\n{servers}  }}\n\
                 server {{\n\
                   listen 127.0.0.1:{port};\n\
                   location / {{\n\
                     proxy_pass http://portal;\n\
                     proxy_set_header Host $host;\n\
                     proxy_set_header X-Forwarded-For $remote_addr;\n\
                     proxy_next_upstream error timeout;\n\
                     proxy_connect_timeout 2s;\n\
                     proxy_read_timeout 60s;\n\
                   }}\n\
                 }}\n"
            )
        };
        let probe = reqwest::Client::builder().no_proxy().build().unwrap();
        Self::launch("http", http, &probe).await
    }

    /// nginx serving the `http { … }` body that `http(port, folder)` writes,
    /// on a free loopback port, ready once `probe` gets `/healthz` through it.
    pub async fn launch(scheme: &str, http: impl Fn(u16, &Path) -> String, probe: &reqwest::Client) -> Nginx {
        let dir = temp_path("nginx");
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let d = dir.display();
        let conf = format!(
            "worker_processes 1;\n\
             daemon off;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {d}/body;\n\
               proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi;\n\
               uwsgi_temp_path {d}/uwsgi;\n\
               scgi_temp_path {d}/scgi;\n\
               client_max_body_size 8m;\n\
               {}\
             }}\n",
            http(port, &dir)
        );
        // Run as root (CI does), nginx would hand its workers to `nobody`,
        // who cannot write the temporary folders here.
        let conf = if running_as_root() { format!("user root;\n{conf}") } else { conf };
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx_binary())
            .args(["-p", &dir.display().to_string(), "-c", &dir.join("nginx.conf").display().to_string()])
            .args(["-e", &dir.join("error.log").display().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .expect("nginx starts (install it: apt-get install nginx-light)");
        let mut nginx = Nginx { child, base: format!("{scheme}://127.0.0.1:{port}"), dir };
        let started = Instant::now();
        loop {
            if let Ok(r) = probe.get(format!("{}/healthz", nginx.base)).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if let Some(status) = nginx.child.try_wait().unwrap() {
                panic!("nginx exited with {status}: {}", nginx.errors());
            }
            assert!(started.elapsed() < Duration::from_secs(20), "nginx did not answer: {}", nginx.errors());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        nginx
    }

    pub fn errors(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("error.log"))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers too (SIGKILL would leave
        // them listening).
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
