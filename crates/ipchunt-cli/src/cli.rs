//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ipchunt",
    version,
    about = "Find and explain inter-process communication abuse (ATT&CK T1559) in Windows, Linux and macOS logs",
    long_about = "ipchunt reads EVTX, JSON (evtx_dump, Winlogbeat/ECS, Splunk exports), Windows event XML, \
Linux auditd, Sysmon for Linux, macOS eslogger and Defender exports, runs Sigma rules over them \
(a built-in T1559 pack plus any you add), and explains what it finds.",
    after_help = "Start with:\n  ipchunt hunt examples/\n  ipchunt hunt --rules sigma/rules/windows logs/ --min-level high"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Hunt: read logs, run the rules, report detections.
    Hunt(HuntArgs),
    /// Print the normalized events as JSON lines (what the rules see).
    Events(EventsArgs),
    /// Check or list Sigma rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// What the vendors' rules for a technique look for (Sigma, Elastic, Splunk), on one field taxonomy.
    ///
    /// Example: ipchunt catalog --technique T1559 ../sigma/rules ../elastic/rules ../splunk/detections
    Catalog(CatalogArgs),
    /// Every IPC event in time order, per host, with bursts flagged.
    ///
    /// Example: ipchunt timeline logs/ --format csv -o ipc.csv
    Timeline(TimelineArgs),
    /// Learn which processes talk to which IPC endpoints, to flag what deviates later.
    #[command(subcommand)]
    Baseline(BaselineCommand),
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: LogInput,
    /// Only this host.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// table, jsonl or csv (Timesketch-ready).
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: TimelineFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The logs a command reads into an investigation, and how.
#[derive(Debug, Args)]
pub struct LogInput {
    /// Log files or folders (read recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// No progress bar and no summary on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Table,
    Jsonl,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Add the IPC seen in these logs to a baseline database (created if needed; learning again updates it).
    ///
    /// Example: ipchunt baseline learn normal-week/ --db baseline.sqlite
    Learn(BaselineArgs),
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Logs of normal activity.
    #[command(flatten)]
    pub input: LogInput,
    /// The baseline database (SQLite).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Rule corpora: Sigma YAML, Elastic detection-rules TOML, Splunk security_content YAML (files or folders).
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// The ATT&CK technique, e.g. T1559 (its sub-techniques are included).
    #[arg(long, short = 't', value_name = "ID")]
    pub technique: String,
    /// Leave out the sub-techniques (T1559 alone, not T1559.001).
    #[arg(long)]
    pub no_subtechniques: bool,
    /// Tell which of the rules could fire on these logs, and why the others could not.
    /// Repeatable. Example: --against logs/ --against more/
    #[arg(long, value_name = "PATH")]
    pub against: Vec<PathBuf>,
    /// table, jsonl or markdown.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: CatalogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Table,
    Jsonl,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One row per detection, for a terminal (the default on a terminal).
    Table,
    /// One JSON object per detection (the default when piped); see docs/output.md.
    Jsonl,
    /// CSV that Timesketch imports as it is.
    Csv,
    /// One self-contained HTML report (use with -o report.html).
    Html,
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Log files or folders (read recursively); `-` reads JSON lines from standard input
    /// and prints each detection as soon as it is found.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Add Sigma rules: a rule file or a folder of them (repeatable).
    /// Example: --rules ../sigma/rules/windows --rules my_rules/
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Do not run the built-in T1559 rule pack (only the --rules you give).
    #[arg(long)]
    pub no_builtin: bool,

    /// Report only detections at or above this level.
    /// Example: --min-level high
    #[arg(long, value_name = "LEVEL", default_value = "informational")]
    pub min_level: String,

    /// Only events at or after this time (UTC). Example: --from 2024-05-01 or --from 2024-05-01T10:00:00Z
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// Only events before this time (UTC). Example: --to "2024-05-02 00:00"
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,

    /// Output format: table (default on a terminal), jsonl (default otherwise), csv, html.
    /// Example: --format csv -o timeline.csv
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<OutputFormat>,

    /// Write detections to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Worker threads (0 = one per core). Example: --threads 2
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// No progress bar and no summary on standard error (errors are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Write every bad record (file, record, reason) to this file instead of standard error.
    #[arg(long, value_name = "FILE")]
    pub bad_log: Option<PathBuf>,

    /// Compare the IPC seen with a baseline learned by `ipchunt baseline learn`: report edges
    /// never seen or seen on few hosts. Example: --baseline baseline.sqlite
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Known-bad hashes, pipe names and domains, one per line (see docs/investigation.md).
    /// Example: --ioc iocs.txt
    #[arg(long, value_name = "FILE")]
    pub ioc: Option<PathBuf>,

    /// Skip the investigation (process chains, escalation decisions): faster on huge inputs.
    #[arg(long)]
    pub no_investigate: bool,

    /// Detections kept in memory until the input is read; past this number they wait in a
    /// temporary file, so that memory does not grow with the detections found.
    /// Example: --keep-in-memory 100000
    #[arg(long, value_name = "N", default_value_t = crate::store::DEFAULT_IN_MEMORY)]
    pub keep_in_memory: usize,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Log files or folders (read recursively); `-` reads JSON lines from standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Include each event's original record.
    #[arg(long)]
    pub raw: bool,

    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load rules and report every rule that cannot be used, grouped by reason.
    ///
    /// The last line is `N loaded, M rejected`; the exit status is 1 when any rule was rejected.
    /// Example: ipchunt rules check ../sigma/rules
    Check {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// List rules (the built-in pack, plus --rules), with filters.
    ///
    /// Example: ipchunt rules list --technique T1559.001 --level high
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Also list the rules in these files or folders.
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Only rules tagged with this technique or one of its sub-techniques (T1559 matches T1559.001).
    #[arg(long, value_name = "ID")]
    pub technique: Option<String>,
    /// Only rules at or above this level.
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Only the built-in rules.
    #[arg(long)]
    pub builtin: bool,
    /// table or jsonl.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Jsonl,
}

/// The worker threads `--threads N` asks for: `N`, or one per core for 0.
pub fn worker_threads(n: usize) -> usize {
    match n {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}
