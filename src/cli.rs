//! The command line: `build`, `check`, `serve`, `init`.
//!
//! Exit codes: 0 clean, 1 errors in the input (or warnings with
//! `--strict`), 2 usage or configuration failure. Diagnostics go to stderr
//! for people (coloured on a terminal, plain when piped, in CI or with
//! NO_COLOR) and to stdout as JSON Lines with `--format json`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::Diagnostics;
use crate::diag::emit::{self, Format};
use crate::incremental::{self, Session, Step};
use crate::output::{self, OutputSet};
use crate::pipeline::{self, Loaded};
use crate::render::{self, DiskPages, PageMemo};
use crate::serve;
use crate::source::SourceDb;

#[derive(Debug, Parser)]
#[command(
    name = "backlot",
    version,
    about = "Build a static developer portal from Backstage catalog files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the portal into the output folder (atomically).
    Build(BuildArgs),
    /// Read and validate everything, write nothing (for CI).
    Check(CommonArgs),
    /// Build, then serve the portal on 127.0.0.1.
    Serve(ServeArgs),
    /// Write a starter backlot.yaml and catalog-info.yaml, or, with
    /// --from-backstage, a backlot.yaml made from a Backstage app-config.
    Init {
        /// Folder to initialise (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// A Backstage app-config.yaml to carry over (repeat for overrides
        /// such as app-config.production.yaml: later files win, as with
        /// Backstage's --config). Writes only backlot.yaml, and lists what
        /// could not be carried over.
        #[arg(long = "from-backstage", value_name = "APP_CONFIG")]
        from_backstage: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The configuration file; relative paths in it resolve against its folder.
    #[arg(long, short, default_value = "backlot.yaml")]
    pub config: PathBuf,
    /// Fail (exit 1) on warnings too; under `build` the previous output is
    /// then left untouched.
    #[arg(long)]
    pub strict: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Build exactly the commits backlot.lock names (fetching them if the
    /// cache lacks them); fail (exit 2) if the lock is missing or does not
    /// name a repository the catalog needs.
    #[arg(long)]
    pub locked: bool,
    /// Fetch nothing: resolve refs in the repository cache.
    #[arg(long)]
    pub offline: bool,
}

impl CommonArgs {
    fn fetch(&self) -> pipeline::Fetch {
        pipeline::Fetch {
            offline: self.offline,
            locked: self.locked,
        }
    }
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output folder (replaced atomically on success).
    #[arg(long, short, default_value = "public")]
    pub out: PathBuf,
    /// A folder that builds keep for the next build (the highlight cache
    /// and a manifest of the output): files that did not change are then
    /// hard-linked from the previous output instead of written. For CI,
    /// keep it between runs together with the output folder.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Port to listen on.
    #[arg(long, short, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on. Anything but loopback makes the preview
    /// reachable from the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Poll for changes instead of relying on file-system events (network
    /// and container file systems where events do not arrive).
    #[arg(long)]
    pub poll: bool,
    /// Open the portal in the desktop's browser once it is served.
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

/// Runs the CLI and maps the outcome to an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Build(args) => {
            build(&args.common, Some(&args.out), args.cache_dir.as_deref()).map(|(code, _)| code)
        }
        Command::Check(args) => build(&args, None, None).map(|(code, _)| code),
        Command::Serve(args) => serve_cmd(&args),
        Command::Init {
            dir,
            from_backstage,
        } if !from_backstage.is_empty() => init_from_backstage(&dir, &from_backstage),
        Command::Init { dir, .. } => init(&dir).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn format_of(args: &CommonArgs) -> Format {
    match args.format {
        OutputFormat::Json => Format::Json,
        OutputFormat::Human => human_format(),
    }
}

/// Diagnostics for people on stderr, coloured only on a terminal.
fn human_format() -> Format {
    Format::Human {
        color: std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
            && std::env::var_os("CI").is_none()
            && std::env::var("TERM").map_or(true, |t| t != "dumb"),
    }
}

fn print(
    diagnostics: &Diagnostics,
    sources: &SourceDb,
    format: Format,
    summary: &str,
) -> Result<()> {
    match format {
        Format::Json => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            emit::emit(&mut lock, diagnostics, sources, format, summary)?;
            lock.flush()?;
        }
        Format::Human { .. } => {
            let stderr = std::io::stderr();
            let mut lock = stderr.lock();
            emit::emit(&mut lock, diagnostics, sources, format, summary)?;
        }
    }
    Ok(())
}

/// A spinner on stderr for people at a terminal; silent otherwise.
fn progress(format: Format) -> Option<indicatif::ProgressBar> {
    if !matches!(format, Format::Human { color: true }) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

/// The config, or `None` after printing why it is unusable (exit code 2).
fn read_config_or_report(
    path: &Path,
    format: Format,
) -> Result<Option<(crate::config::Config, SourceDb, crate::source::FileId)>> {
    match pipeline::read_config(path)? {
        Ok(read) => Ok(Some(read)),
        Err(bad) => {
            let summary = "configuration is invalid; nothing was built";
            print(&bad.diagnostics, &bad.sources, format, summary)?;
            Ok(None)
        }
    }
}

/// `build` (with `out`) and `check` (without). Returns the exit code and
/// the rendered site (for `serve`).
fn build(
    args: &CommonArgs,
    out: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<(u8, Option<OutputSet>)> {
    let format = format_of(args);
    let started = Instant::now();
    let Some((mut config, sources, config_file)) = read_config_or_report(&args.config, format)?
    else {
        return Ok((2, None));
    };
    config.cache_dir = cache_dir.map(Path::to_path_buf);
    // Also when this build renders no docs, and so never opens the cache
    // (`check` writes nothing, and removes nothing either).
    if out.is_some() {
        crate::docs::highlight::HighlightCache::clear_stale(&config.cache_dir());
    }
    let mut repos = match pipeline::repos_for(&config, args.fetch()) {
        Ok(repos) => repos,
        Err(why) => {
            eprintln!("error: {why}");
            return Ok((2, None));
        }
    };
    let lock_path = config.root.join(crate::crawl::lock::FILE_NAME);
    let bar = progress(format);
    if let Some(bar) = &bar {
        let bar = bar.clone();
        repos.on_progress(move |done, of| {
            bar.set_message(format!("reading repositories: {done} of {of}"));
        });
    }
    if let Some(bar) = &bar {
        bar.set_message("reading the catalog");
    }
    let loaded = pipeline::load_with(config, sources, Some(config_file), &repos);
    repos.save();
    if let Some(why) = &loaded.fatal {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let summary = format!("--locked: {why}; nothing was built");
        print(&loaded.diagnostics, &loaded.sources, format, &summary)?;
        return Ok((2, None));
    }
    let repositories = repositories_summary(&repos);
    let failed = pipeline::failed(&loaded.diagnostics, args.strict);
    let code = if failed { 1 } else { 0 };
    let counts = emit::counts(&loaded.diagnostics);

    let Some(out) = out else {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let summary = format!(
            "checked {} entities from {} files{repositories} in {:.2}s: {counts}",
            loaded.catalog.len(),
            loaded.sources.len(),
            started.elapsed().as_secs_f64()
        );
        print(&loaded.diagnostics, &loaded.sources, format, &summary)?;
        return Ok((code, None));
    };

    if let Some(bar) = &bar {
        bar.set_message(format!("rendering {} entities", loaded.catalog.len()));
    }
    let (site, views) = match cache_dir {
        Some(dir) => {
            let (site, memo, fingerprint) = render_cached(&loaded, dir, out)?;
            (site, Some((memo, fingerprint)))
        }
        None => (render_loaded(&loaded)?, None),
    };
    if failed && args.strict {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let summary = format!(
            "build failed under --strict ({counts}); {} was left untouched",
            out.display()
        );
        print(&loaded.diagnostics, &loaded.sources, format, &summary)?;
        return Ok((1, Some(site)));
    }
    if let Some(bar) = &bar {
        bar.set_message(format!("writing {} files", site.len()));
    }
    if let Some(dir) = cache_dir {
        output_cache_step(incremental::forget_views(dir), dir);
    }
    let written = output::write_atomic_reusing(&site, out, cache_dir)?;
    // A plain build records the commits it built; `--locked` built what
    // the lock says already. A portal without repositories gets no lock.
    if !args.locked {
        let lock = repos.lock();
        if !lock.entries.is_empty() || lock_path.exists() {
            lock.write(&lock_path)
                .with_context(|| format!("writing {}", lock_path.display()))?;
        }
    }
    if let (Some(dir), Some((memo, fingerprint))) = (cache_dir, &views) {
        output_cache_step(
            incremental::save_views(dir, *fingerprint, memo.view_hashes()),
            dir,
        );
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut kept = if written.kept > 0 {
        format!(", {} unchanged", written.kept)
    } else {
        String::new()
    };
    if let Some((memo, _)) = &views {
        kept.push_str(&format!(", {} pages rendered", memo.rendered));
    }
    let summary = format!(
        "built {} entities{repositories} into {} ({} files{kept}) in {:.2}s: {counts}",
        loaded.catalog.len(),
        out.display(),
        site.len(),
        started.elapsed().as_secs_f64()
    );
    print(&loaded.diagnostics, &loaded.sources, format, &summary)?;
    Ok((code, Some(site)))
}

/// ` from 12 repositories (1 fetched, 2 from the cache)`, or nothing for
/// a portal without repositories.
fn repositories_summary(repos: &crate::crawl::remote::Repos) -> String {
    let stats = repos.stats();
    let total = stats.fetched + stats.current + stats.cached + stats.failed;
    if total == 0 {
        return String::new();
    }
    let mut parts = Vec::new();
    if stats.fetched > 0 {
        parts.push(format!("{} fetched", stats.fetched));
    }
    if stats.cached > 0 {
        parts.push(format!("{} from the cache", stats.cached));
    }
    if stats.failed > 0 {
        parts.push(format!("{} failed", stats.failed));
    }
    let detail = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    };
    let noun = if total == 1 {
        "repository"
    } else {
        "repositories"
    };
    format!(" from {total} {noun}{detail}")
}

/// `build --cache-dir`: renders the pages whose view changed since the
/// build that wrote `out`, takes the others from `out`. Returns the site,
/// the memo (its view hashes are saved once the site is written) and the
/// theme fingerprint they are valid under.
fn render_cached(loaded: &Loaded, dir: &Path, out: &Path) -> Result<(OutputSet, PageMemo, u128)> {
    let fingerprint = render::theme_fingerprint(&loaded.config)?;
    let previous = output::Previous::open(dir, out)?;
    let mut memo = PageMemo::from_disk(DiskPages {
        views: incremental::load_views(dir, fingerprint),
        previous: Box::new(move |path| previous.as_ref()?.unchanged_file(path)),
    });
    let input = loaded.render_input();
    let mut site = render::render_pages(&input, Some(&mut memo))?;
    for (path, bytes) in render::search_files(&input) {
        site.insert(path, bytes);
    }
    Ok((site, memo, fingerprint))
}

/// The cache only saves time: failing to update it is worth a warning on
/// stderr, not a failed build.
fn output_cache_step(result: std::io::Result<()>, dir: &Path) {
    if let Err(e) = result {
        eprintln!("warning: cannot update the cache in {}: {e}", dir.display());
    }
}

pub fn render_loaded(loaded: &Loaded) -> Result<OutputSet> {
    render::render_site(&loaded.render_input())
}

fn serve_cmd(args: &ServeArgs) -> Result<u8> {
    keep_freed_memory();
    let format = format_of(&args.common);
    let mut session = Session::new(&args.common.config, args.common.fetch());
    let (loaded, site) = match session.build(None)? {
        Step::BadConfig(bad) => {
            print(
                &bad.diagnostics,
                &bad.sources,
                format,
                "the config has errors",
            )?;
            return Ok(2);
        }
        Step::Built { loaded, site } => (loaded, site?),
    };
    if let Some(why) = &loaded.fatal {
        let summary = format!("--locked: {why}; nothing is served");
        print(&loaded.diagnostics, &loaded.sources, format, &summary)?;
        return Ok(2);
    }
    let summary = format!(
        "built {} entities ({} files): {}",
        loaded.catalog.len(),
        site.len(),
        emit::counts(&loaded.diagnostics)
    );
    print(&loaded.diagnostics, &loaded.sources, format, &summary)?;
    let errors = emit::error_lines(&loaded.diagnostics, &loaded.sources);
    let root = loaded.config.root.clone();
    // Served where it will be published: under base_url's path.
    let prefix = crate::site::urls::root_path(loaded.config.base_url.as_deref());
    let mut watched = vec![root.clone()];
    watched.extend(loaded.config.theme.as_ref().map(|t| root.join(t)));
    watched.extend(loaded.roots.iter().cloned());
    let live = serve::Live::new(site, errors);
    live.patch(0, incremental::search_files(&loaded));
    drop(loaded);
    let loopback = args
        .bind
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
        || args.bind == "localhost";
    if !loopback {
        eprintln!(
            "warning: serving on {} makes the preview reachable from the network; it is meant for your machine only",
            args.bind
        );
    }
    let server = serve::Server::bind(&args.bind, args.port)?;
    serve::watch(&watched, args.poll, &live, move |changed| {
        rebuild(&mut session, changed, format)
    })?;
    let url = format!("http://{}{prefix}", server.addr());
    eprintln!("serving on {url} (Ctrl-C to stop)");
    if args.open {
        open_browser(&url);
    }
    server.run(live, &prefix);
    Ok(0)
}

/// The environment variable of mimalloc's purge delay: how long memory a
/// process freed stays mapped before it is returned to the system.
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

/// Makes `serve` keep the memory it frees instead of returning it to the
/// system 10 ms later (mimalloc's default). A rebuild allocates much of
/// what the one before freed; returned memory has to be faulted in and
/// zeroed again, which doubled the rebuild after a docs edit on the medium
/// benchmark corpus (97–132 ms against 39–52 ms, 2-core VM), for 8% more
/// resident memory. mimalloc reads its options from the environment when
/// the process starts, so `serve` starts itself again, in place
/// (`exec`), with the option set, unless it is set already; if that
/// fails, it goes on as it is.
fn keep_freed_memory() {
    #[cfg(unix)]
    if std::env::var_os(PURGE_DELAY).is_none()
        && let Ok(exe) = std::env::current_exe()
    {
        use std::os::unix::process::CommandExt;
        // `exec` returns only if it failed.
        let _ = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(PURGE_DELAY, "-1")
            .exec();
    }
}

/// Opens `url` in the desktop's browser; a failure is only reported.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("warning: could not open a browser ({opener}: {e}); open {url} yourself");
    }
}

/// One rebuild for `serve`, printing its errors (only: every warning again
/// on each save would bury them) and its counts.
fn rebuild(session: &mut Session, changed: Option<&[PathBuf]>, format: Format) -> serve::Rebuilt {
    let failed = |failure: String, errors| serve::Rebuilt {
        site: None,
        failure: Some(failure),
        errors,
        search: None,
    };
    let (loaded, site) = match session.build(changed) {
        Err(e) => return failed(format!("{e:#}"), Default::default()),
        Ok(Step::BadConfig(bad)) => {
            let _ = print(
                &bad.diagnostics,
                &bad.sources,
                format,
                "the config has errors",
            );
            return serve::Rebuilt {
                site: None,
                failure: None,
                errors: emit::error_lines(&bad.diagnostics, &bad.sources),
                search: None,
            };
        }
        Ok(Step::Built { loaded, site }) => (loaded, site),
    };
    let errors = emit::error_lines(&loaded.diagnostics, &loaded.sources);
    for line in &errors {
        eprintln!("error: {line}");
    }
    let ((_, sites), (_, pages)) = session.reuse_counts();
    eprintln!(
        "{}; rendered {sites} docs site(s) and {pages} page(s) again",
        emit::counts(&loaded.diagnostics)
    );
    match site {
        Ok(site) => serve::Rebuilt {
            site: Some(site),
            failure: None,
            errors,
            search: Some(Box::new(move || incremental::search_files(&loaded))),
        },
        Err(e) => failed(format!("{e:#}"), errors),
    }
}

const INIT_CONFIG: &str = r#"# Backlot configuration. Reference: docs/configuration.md
title: My Developer Portal
# base_url: https://portal.example.org/

catalog:
  locations:
    # Crawl this folder (and below) for catalog-info.yaml files,
    # skipping .git, node_modules, target and .gitignore'd paths.
    - type: dir
      target: .
"#;

const INIT_ENTITY: &str = r#"# A Backstage entity descriptor: https://backstage.io/docs/features/software-catalog/descriptor-format
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: my-service
  title: My Service
  description: What this service does, in one sentence.
  tags:
    - example
  links:
    - url: https://example.org/runbook
      title: Runbook
spec:
  type: service
  lifecycle: experimental
  owner: my-team
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: my-team
  description: The team that owns my-service.
spec:
  type: team
  children: []
"#;

/// `backlot init [DIR]`: never overwrites an existing file.
pub fn init(dir: &Path) -> Result<()> {
    let config = dir.join("backlot.yaml");
    let entity = dir.join("catalog-info.yaml");
    for path in [&config, &entity] {
        if path.exists() {
            bail!(
                "{} already exists; init never overwrites files",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(&config, INIT_CONFIG)
        .with_context(|| format!("writing {}", config.display()))?;
    std::fs::write(&entity, INIT_ENTITY)
        .with_context(|| format!("writing {}", entity.display()))?;
    eprintln!(
        "wrote {} and {}\nnext: cd {} && backlot serve",
        config.display(),
        entity.display(),
        dir.display()
    );
    Ok(())
}

/// `backlot init --from-backstage APP_CONFIG... [DIR]`: reads the
/// app-config files, writes `DIR/backlot.yaml` (never over an existing
/// file) and lists on stderr what could not be carried over. The
/// translation itself is `migrate`'s; this does the IO. Exit 0 once
/// written, 2 when the input is unreadable or not YAML.
pub fn init_from_backstage(dir: &Path, app_configs: &[PathBuf]) -> Result<u8> {
    let config = dir.join("backlot.yaml");
    if config.exists() {
        bail!(
            "{} already exists; init never overwrites files",
            config.display()
        );
    }
    let mut inputs = Vec::new();
    for path in app_configs {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let absolute =
            std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
        inputs.push(crate::migrate::AppConfig {
            path: absolute,
            shown: path.display().to_string(),
            text,
        });
    }
    let root = absolute_dir(dir)?;
    let migration = match crate::migrate::migrate(&inputs, &root, &|p: &Path| p.exists()) {
        Ok(migration) => migration,
        Err(found) => {
            let mut sources = SourceDb::new();
            for input in &inputs {
                sources.add(crate::source::SourceFile {
                    path: input.path.clone(),
                    display: input.shown.clone(),
                    text: Some(input.text.as_str().into()),
                });
            }
            let mut diagnostics = Diagnostics::new();
            diagnostics.extend(found);
            diagnostics.sort();
            let summary = "the app-config could not be read; nothing was written";
            print(&diagnostics, &sources, human_format(), summary)?;
            return Ok(2);
        }
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // `create_new`: a file that appeared since the check is not replaced.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&config)
        .with_context(|| format!("writing {}", config.display()))?;
    file.write_all(migration.yaml.as_bytes())
        .with_context(|| format!("writing {}", config.display()))?;
    let sources: Vec<String> = inputs.iter().map(|i| i.shown.clone()).collect();
    let next = if dir == Path::new(".") {
        "backlot check".to_string()
    } else {
        format!("cd {} && backlot check", dir.display())
    };
    eprint!(
        "wrote {} from {}\n{}next: {next}\n",
        config.display(),
        sources.join(", "),
        migration.report(&inputs),
    );
    Ok(0)
}

/// `dir` made absolute with symbolic links resolved as far as it exists
/// (it may not exist yet), so that it compares with the canonical paths of
/// the app-config files.
fn absolute_dir(dir: &Path) -> Result<PathBuf> {
    let absolute = crate::tree::normalize(
        &std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?,
    );
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return Ok(out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(absolute),
        }
    }
}
