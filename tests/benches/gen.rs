//! A synthetic organisation for the benchmarks:
//! `/work/shared/bench/gen_corpus.py`, ported to Rust.
//!
//! Layout written under `out` (the script's, plus `backlot.yaml`):
//!
//! ```text
//! backlot.yaml               one `file` location: org/catalog-info.yaml
//! org/catalog-info.yaml      root Location: ./org.yaml, ./systems.yaml, every repo
//! org/org.yaml               Groups (organisation > departments > teams) and Users
//! org/systems.yaml           Domains and Systems
//! repos/<name>/              catalog-info.yaml (Component [+ API] [+ Resource]),
//!                            mkdocs.yml, README.md, docs/**.md,
//!                            docs/images/{architecture.svg,logo.png}
//! corpus.json                parameters, counts and repo names (as the script's)
//! ```
//!
//! [`git::generate`] writes the same files (byte for byte, same layout),
//! and the same organisation once more as git repositories:
//!
//! ```text
//! forge/acme/<name>.git      bare repository per repos/<name>/: one commit on
//!                            `main`, its tree the folder's files
//! forge/acme/org.git         org.yaml and systems.yaml as in org/, and a
//!                            catalog-info.yaml whose root Location names every
//!                            repository by its forge URL:
//!                            https://github.com/acme/<name>/blob/main/catalog-info.yaml
//! git-portal/backlot.yaml    one `git` location, the org repository's
//!                            catalog-info.yaml; `git.rewrite` from
//!                            https://github.com/acme/ to file://<out>/forge/acme/;
//!                            `git.cache: .git-cache` (git-portal/.git-cache/)
//! ```
//!
//! The random numbers are drawn exactly as the script draws them: a small
//! port of CPython's `random.Random` (MT19937, seeded from a string through
//! SHA-512, with the same `randbelow`, `choice`, `sample`, `shuffle`,
//! `choices` and `triangular`), one generator for the organisation, one for
//! the vocabulary and one per repository, consumed in the script's order.
//! So for a given preset and seed every file comes out byte for byte as the
//! script writes it: descriptors, mkdocs.yml, the Markdown pages (whose
//! links and anchors are all valid), the SVG and the PNG (checked with
//! `diff -r` against Python 3.11 for the small and medium presets; Python
//! 3.12's compensated `sum()` may pick different words). Nothing iterates a
//! hash set or map to produce output.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;

/// The script's presets: repositories and pages per repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Small,
    Medium,
    Large,
}

impl Preset {
    pub fn parse(name: &str) -> Option<Preset> {
        match name.trim().to_ascii_lowercase().as_str() {
            "small" => Some(Preset::Small),
            "medium" => Some(Preset::Medium),
            "large" => Some(Preset::Large),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Small => "small",
            Preset::Medium => "medium",
            Preset::Large => "large",
        }
    }

    pub fn repos(self) -> usize {
        match self {
            Preset::Small => 50,
            Preset::Medium => 1000,
            Preset::Large => 5000,
        }
    }

    pub fn pages(self) -> usize {
        match self {
            Preset::Small => 5,
            Preset::Medium | Preset::Large => 10,
        }
    }
}

/// What was written: entities per kind, dangling references, docs, files,
/// bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub repos: usize,
    pub component: usize,
    pub api: usize,
    pub resource: usize,
    pub system: usize,
    pub domain: usize,
    pub group: usize,
    pub user: usize,
    pub location: usize,
    /// Entity references made to point nowhere (the script's `dangling_refs`).
    pub dangling_refs: usize,
    /// Docs sites (one mkdocs.yml per repository).
    pub doc_sites: usize,
    /// Markdown pages under `repos/*/docs/`.
    pub pages: usize,
    /// Bytes of those pages (the script's `md_bytes`).
    pub md_bytes: usize,
    /// Fenced code blocks written into the pages.
    pub code_blocks: usize,
    /// Lines of code inside those blocks (fences excluded).
    pub code_lines: usize,
    /// Files written, backlot.yaml and corpus.json included.
    pub files: usize,
    /// Bytes of the script's files (its `bytes`: backlot.yaml and corpus.json
    /// not included).
    pub bytes: usize,
}

impl Counts {
    /// Entities per kind, in the script's order.
    pub fn by_kind(&self) -> [(&'static str, usize); 8] {
        [
            ("Component", self.component),
            ("API", self.api),
            ("Resource", self.resource),
            ("System", self.system),
            ("Domain", self.domain),
            ("Group", self.group),
            ("User", self.user),
            ("Location", self.location),
        ]
    }

    pub fn entities(&self) -> usize {
        self.by_kind().iter().map(|(_, n)| n).sum()
    }
}

/// The script's default `--dangling` rate.
pub const DANGLING: f64 = 0.01;

/// Writes the corpus of `preset` under `out` (created if needed; existing
/// files are overwritten). Panics on IO errors: this is benchmark set-up.
pub fn generate(preset: Preset, seed: u64, out: &Path) -> Counts {
    generate_with(preset, preset.repos(), preset.pages(), seed, DANGLING, out)
}

/// [`generate`] with the script's `--repos`, `--pages` and `--dangling`
/// overrides (`preset` only names the corpus in corpus.json, as the script's
/// `--preset` does when both are given).
pub fn generate_with(
    preset: Preset,
    n_repos: usize,
    n_pages: usize,
    seed: u64,
    dangling: f64,
    out: &Path,
) -> Counts {
    let mut counts = Counts {
        repos: n_repos,
        ..Counts::default()
    };
    let vocab = Vocab::build(&mut PyRandom::from_str(&format!("{seed}:vocab")));
    let mut org = Org::new(
        PyRandom::from_str(&format!("{seed}:org")),
        n_repos,
        dangling,
    );
    for idx in 0..org.repos.len() {
        write_repo(out, &mut org, idx, seed, n_pages, &vocab, &mut counts);
    }
    write_org(out, &mut org, &mut counts);
    counts.dangling_refs = org.dangling_refs;
    let manifest = manifest(preset, n_pages, seed, dangling, &org, &counts);
    let config = format!(
        "title: {} Developer Portal\n\
         catalog:\n  locations:\n    - {{ type: file, target: org/catalog-info.yaml }}\n",
        ORG.to_uppercase()
    );
    // Not the script's files: kept out of `bytes`.
    let bytes = counts.bytes;
    put(out, "corpus.json", manifest, &mut counts);
    put(out, "backlot.yaml", config, &mut counts);
    counts.bytes = bytes;
    counts
}

/// corpus.json as `json.dump(manifest, f, indent=1)` writes it.
fn manifest(
    preset: Preset,
    n_pages: usize,
    seed: u64,
    dangling: f64,
    org: &Org,
    counts: &Counts,
) -> String {
    let float = |x: f64| {
        let s = format!("{x:?}");
        if s.contains(['.', 'e', 'n', 'i']) {
            s
        } else {
            s + ".0"
        }
    };
    let c = counts;
    let fields: Vec<(&str, String)> = vec![
        ("seed", seed.to_string()),
        ("preset", format!("\"{}\"", preset.name())),
        ("repos", c.repos.to_string()),
        ("pages_per_repo", n_pages.to_string()),
        ("dangling", float(dangling)),
        ("entities", c.entities().to_string()),
        ("dangling_refs", c.dangling_refs.to_string()),
        ("Component", c.component.to_string()),
        ("API", c.api.to_string()),
        ("Resource", c.resource.to_string()),
        ("Group", c.group.to_string()),
        ("User", c.user.to_string()),
        ("Domain", c.domain.to_string()),
        ("System", c.system.to_string()),
        ("Location", c.location.to_string()),
        ("pages", c.pages.to_string()),
        ("bytes", c.bytes.to_string()),
        ("md_bytes", c.md_bytes.to_string()),
    ];
    let mut out = String::from("{\n");
    for (key, value) in fields {
        out.push_str(&format!(" \"{key}\": {value},\n"));
    }
    if org.repos.is_empty() {
        out.push_str(" \"repo_names\": []\n}");
    } else {
        let names: Vec<String> = org
            .repos
            .iter()
            .map(|r| format!("  {}", json_string(&r.name)))
            .collect();
        out.push_str(&format!(
            " \"repo_names\": [\n{}\n ]\n}}",
            names.join(",\n")
        ));
    }
    out
}

const ORG: &str = "acme";

// ---------------------------------------------------------------------------
// Word lists, verbatim from the script (split on whitespace).

const COMMON: &str = "the of to and a in is for that on with as by this be it are from or an at can when your \
    each which not will if all use you more only before after into then also must should may \
    does any new other its per than one two three every both";
const TECH: &str = "service request response cache ledger queue token cluster deployment pipeline schema \
    record event handler client server endpoint payload latency throughput retry timeout index \
    shard replica partition consumer producer topic message batch job worker task config \
    secret credential certificate policy role permission tenant account user session database \
    table column migration query transaction lock snapshot backup restore release version \
    build artifact image container pod node namespace ingress gateway proxy route metric alert \
    dashboard trace log span sample threshold budget error failure incident rollback rollout \
    feature flag experiment cohort region zone network storage bucket object file stream \
    buffer connection pool thread process runtime library module package interface contract \
    field value key default option parameter argument flag limit quota";
const VERBS: &str = "deploy configure validate publish consume reconcile migrate retry rotate scale monitor \
    enable disable register resolve fetch store emit parse render cache invalidate refresh \
    provision schedule throttle authenticate authorize serialize compact archive replay";
const ADJS: &str = "internal external stable deprecated idempotent async synchronous regional global primary \
    secondary default custom optional required transient durable eventual strict local remote \
    upstream downstream critical legacy experimental shared dedicated";
const SYLL: &str =
    "ka lo ri ven tor mi sa del qua ni ro bex tan ul fe zor pi dra mon cy lu gar is en";
const DOMAINS: &str = "payments identity search logistics catalog messaging analytics billing fulfillment \
    marketing risk platform data mobile media partners support inventory pricing compliance";
const DEPTS: &str = "commerce core-platform growth infrastructure data-science customer-experience finance-tech \
    security operations developer-experience marketplace trust";
const COLORS: &str = "amber azure crimson indigo jade onyx coral ivory scarlet teal violet olive cobalt copper \
    silver golden ruby saffron slate plum";
const ANIMALS: &str = "otter falcon badger heron lynx marten osprey panda raven salmon tiger viper walrus yak \
    zebra bison condor dingo eagle ferret gecko ibis jackal koala lemur mole newt orca puma \
    quail rhino seal tapir urchin vole wombat crane hare";
const SYSNOUNS: &str = "gateway ledger settlement accounts profiles sessions directory indexer crawler router \
    dispatch tracking orders checkout cart ranking feeds notifications mailer reporting \
    warehouse ingestion exports scoring rules pricing quotes stock assets uploads media-store \
    content workflow scheduler audit insights console portal onboarding";
const ROLES: &str = "service worker web lib cli gateway adapter scheduler sync exporter";
const FIRST: &str = "alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert \
    sybil trent victor wendy yusuf zara amir bea chen dara emeka fatima goran hana ines jonas \
    kemal lena marco nadia oskar priya quinn rosa sven tariq uma vera wei ximena yara zeno ana \
    boris clara diego elif felix gita hugo";
const LAST: &str = "smith jones garcia muller rossi silva kim nguyen patel cohen novak larsen okafor tanaka \
    ivanova dubois moreau schmidt kowalski haddad mendes fischer bauer weber costa santos \
    lopez kaur singh ali berg lind holm strand dahl vidal roux ferrari bianchi conti sato \
    suzuki wong chan lee park choi sousa lima ortiz ruiz reyes cruz murphy kelly walsh";

fn words(list: &'static str) -> Vec<&'static str> {
    list.split_whitespace().collect()
}

const UNITS: [&str; 6] = ["ms", "count", "url", "enabled", "size", "name"];
const LANGS: [&str; 5] = ["rust", "python", "go", "java", "typescript"];
const OWNER_PREFIXES: [&str; 3] = ["", "group:", "group:default/"];
/// `["service"] * 6 + ["website", "library"]`
const TYPES: [&str; 8] = [
    "service", "service", "service", "service", "service", "service", "website", "library",
];
/// `["production"] * 5 + ["experimental", "deprecated"]`
const LIFECYCLES: [&str; 7] = [
    "production",
    "production",
    "production",
    "production",
    "production",
    "experimental",
    "deprecated",
];
/// `RES_SUFFIX`, in the dict's order.
const RES_SUFFIX: [(&str, &str); 3] = [
    ("database", "db"),
    ("s3-bucket", "bucket"),
    ("queue", "queue"),
];

// ---------------------------------------------------------------------------
// CPython's `random.Random`, as far as the script uses it.

/// MT19937 with CPython's seeding and derived methods, so that a seed
/// string gives the very numbers `random.Random(seed)` gives.
struct PyRandom {
    mt: [u32; 624],
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a `str` seed (version 2): the integer whose
    /// big-endian bytes are `seed.encode() + sha512(seed.encode())`, fed to
    /// `init_by_array` as 32-bit words, least significant first.
    fn from_str(seed: &str) -> PyRandom {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&sha512(seed.as_bytes()));
        let mut key: Vec<u32> = bytes
            .rchunks(4)
            .map(|chunk| chunk.iter().fold(0u32, |w, &b| (w << 8) | u32::from(b)))
            .collect();
        while key.len() > 1 && key.last() == Some(&0) {
            key.pop();
        }
        PyRandom::from_key(&key)
    }

    fn from_key(key: &[u32]) -> PyRandom {
        let mut mt = [0u32; 624];
        mt[0] = 19_650_218;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        PyRandom { mt, index: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % 624] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + 397) % 624] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random()`: 53 random bits in [0, 1).
    fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `_randbelow(n)`: rejection sampling over `n.bit_length()` bits.
    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0 && n <= u32::MAX as usize, "randbelow({n})");
        let k = usize::BITS - n.leading_zeros();
        loop {
            let r = (self.next_u32() >> (32 - k)) as usize;
            if r < n {
                return r;
            }
        }
    }

    /// `randint(lo, hi)`, both ends included.
    fn randint(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// `randrange(lo, hi)`: `hi` excluded.
    fn randrange(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo)
    }

    /// `triangular(low, high, mode)`.
    fn triangular(&mut self, low: f64, high: f64, mode: f64) -> f64 {
        let mut u = self.random();
        let mut c = (mode - low) / (high - low);
        let (mut low, mut high) = (low, high);
        if u > c {
            u = 1.0 - u;
            c = 1.0 - c;
            std::mem::swap(&mut low, &mut high);
        }
        low + (high - low) * (u * c).sqrt()
    }

    fn choice<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `sample(population, k)`: CPython's pool or set algorithm, whichever
    /// it would pick.
    fn sample<T: Clone>(&mut self, population: &[T], k: usize) -> Vec<T> {
        let n = population.len();
        assert!(k <= n, "sample larger than population");
        let mut setsize = 21usize;
        if k > 5 {
            let exp = (((k * 3) as f64).ln() / 4f64.ln()).ceil() as u32;
            setsize += 4usize.pow(exp);
        }
        let mut result = Vec::with_capacity(k);
        if n <= setsize {
            let mut pool = population.to_vec();
            for i in 0..k {
                let j = self.below(n - i);
                result.push(pool[j].clone());
                pool[j] = pool[n - i - 1].clone();
            }
        } else {
            let mut selected = HashSet::new();
            for _ in 0..k {
                let mut j = self.below(n);
                while selected.contains(&j) {
                    j = self.below(n);
                }
                selected.insert(j);
                result.push(population[j].clone());
            }
        }
        result
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// `choices(population, k=k)` without weights.
    fn choices_uniform<'a, T>(&mut self, population: &'a [T], k: usize) -> Vec<&'a T> {
        let n = population.len() as f64;
        (0..k)
            .map(|_| &population[(self.random() * n).floor() as usize])
            .collect()
    }

    /// `choices(population, cum_weights=cum, k=k)`.
    fn choices_cum<'a, T>(&mut self, population: &'a [T], cum: &[f64], k: usize) -> Vec<&'a T> {
        let total = cum[cum.len() - 1];
        let hi = population.len() - 1;
        (0..k)
            .map(|_| {
                let x = self.random() * total;
                // bisect_right(cum, x, 0, hi)
                &population[cum[..hi].partition_point(|&c| c <= x)]
            })
            .collect()
    }
}

/// SHA-512 (FIPS 180-4), for CPython's string seeding.
fn sha512(message: &[u8]) -> [u8; 64] {
    const K: [u64; 80] = [
        0x428a2f98d728ae22,
        0x7137449123ef65cd,
        0xb5c0fbcfec4d3b2f,
        0xe9b5dba58189dbbc,
        0x3956c25bf348b538,
        0x59f111f1b605d019,
        0x923f82a4af194f9b,
        0xab1c5ed5da6d8118,
        0xd807aa98a3030242,
        0x12835b0145706fbe,
        0x243185be4ee4b28c,
        0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f,
        0x80deb1fe3b1696b1,
        0x9bdc06a725c71235,
        0xc19bf174cf692694,
        0xe49b69c19ef14ad2,
        0xefbe4786384f25e3,
        0x0fc19dc68b8cd5b5,
        0x240ca1cc77ac9c65,
        0x2de92c6f592b0275,
        0x4a7484aa6ea6e483,
        0x5cb0a9dcbd41fbd4,
        0x76f988da831153b5,
        0x983e5152ee66dfab,
        0xa831c66d2db43210,
        0xb00327c898fb213f,
        0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2,
        0xd5a79147930aa725,
        0x06ca6351e003826f,
        0x142929670a0e6e70,
        0x27b70a8546d22ffc,
        0x2e1b21385c26c926,
        0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df,
        0x650a73548baf63de,
        0x766a0abb3c77b2a8,
        0x81c2c92e47edaee6,
        0x92722c851482353b,
        0xa2bfe8a14cf10364,
        0xa81a664bbc423001,
        0xc24b8b70d0f89791,
        0xc76c51a30654be30,
        0xd192e819d6ef5218,
        0xd69906245565a910,
        0xf40e35855771202a,
        0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8,
        0x1e376c085141ab53,
        0x2748774cdf8eeb99,
        0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63,
        0x4ed8aa4ae3418acb,
        0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc,
        0x78a5636f43172f60,
        0x84c87814a1f0ab72,
        0x8cc702081a6439ec,
        0x90befffa23631e28,
        0xa4506cebde82bde9,
        0xbef9a3f7b2c67915,
        0xc67178f2e372532b,
        0xca273eceea26619c,
        0xd186b8c721c0c207,
        0xeada7dd6cde0eb1e,
        0xf57d4f7fee6ed178,
        0x06f067aa72176fba,
        0x0a637dc5a2c898a6,
        0x113f9804bef90dae,
        0x1b710b35131c471b,
        0x28db77f523047d84,
        0x32caab7b40c72493,
        0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6,
        0x597f299cfc657e2a,
        0x5fcb6fab3ad6faec,
        0x6c44198c4a475817,
    ];
    const H0: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    let mut h = H0;
    let mut data = message.to_vec();
    let bit_len = (message.len() as u128) * 8;
    data.push(0x80);
    while data.len() % 128 != 112 {
        data.push(0);
    }
    data.extend_from_slice(&bit_len.to_be_bytes());
    for block in data.chunks_exact(128) {
        let mut w = [0u64; 80];
        for (t, word) in block.chunks_exact(8).enumerate() {
            w[t] = u64::from_be_bytes(word.try_into().expect("8 bytes"));
        }
        for t in 16..80 {
            let s0 = w[t - 15].rotate_right(1) ^ w[t - 15].rotate_right(8) ^ (w[t - 15] >> 7);
            let s1 = w[t - 2].rotate_right(19) ^ w[t - 2].rotate_right(61) ^ (w[t - 2] >> 6);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for t in 0..80 {
            let s1 = e.rotate_right(14) ^ e.rotate_right(18) ^ e.rotate_right(41);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[t])
                .wrapping_add(w[t]);
            let s0 = a.rotate_right(28) ^ a.rotate_right(34) ^ a.rotate_right(39);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 64];
    for (chunk, x) in out.chunks_exact_mut(8).zip(h) {
        chunk.copy_from_slice(&x.to_be_bytes());
    }
    out
}

// ---------------------------------------------------------------------------
// The organisation: every name and reference, drawn before any file is written.

/// The script's `build_vocab`: common words and shuffled tech terms (90% of
/// the weight), then a long tail of pseudo-words (10%).
struct Vocab {
    words: Vec<String>,
    cum: Vec<f64>,
}

impl Vocab {
    fn build(rng: &mut PyRandom) -> Vocab {
        let syll = words(SYLL);
        let mut tail: Vec<String> = (0..12_000)
            .map(|_| {
                let k = rng.randint(2, 4);
                rng.choices_uniform(&syll, k)
                    .into_iter()
                    .copied()
                    .collect::<String>()
            })
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        rng.shuffle(&mut tail);
        let mut tech: Vec<&str> = words(TECH);
        tech.extend(words(VERBS));
        tech.extend(words(ADJS));
        rng.shuffle(&mut tech);
        let head: Vec<&str> = words(COMMON).into_iter().chain(tech).collect();
        let hw: Vec<f64> = (0..head.len()).map(|r| 1.0 / (r as f64 + 2.0)).collect();
        let tw: Vec<f64> = (0..tail.len()).map(|r| 1.0 / (r as f64 + 2.0)).collect();
        // Python 3.11's sum(): plain left-to-right addition.
        let (sh, st) = (
            hw.iter().fold(0.0, |s, x| s + x),
            tw.iter().fold(0.0, |s, x| s + x),
        );
        let mut cum = Vec::with_capacity(hw.len() + tw.len());
        let mut total = 0.0;
        for w in hw
            .iter()
            .map(|x| 0.9 * x / sh)
            .chain(tw.iter().map(|x| 0.1 * x / st))
        {
            total += w;
            cum.push(total);
        }
        let words = head.into_iter().map(str::to_string).chain(tail).collect();
        Vocab { words, cum }
    }
}

struct Repo {
    name: String,
    system: String,
    domain: String,
    owner: String,
    api: Option<String>,
    resource: Option<String>,
    res_type: Option<&'static str>,
    kind: &'static str,
    lifecycle: &'static str,
    consumes: Vec<String>,
    depends: Vec<String>,
}

struct Org {
    rng: PyRandom,
    dangling: f64,
    dangling_refs: usize,
    taken: HashSet<String>,
    depts: Vec<String>,
    domains: Vec<String>,
    /// (team, department)
    teams: Vec<(String, String)>,
    /// team → members, in the order they joined (lookup only).
    members: HashMap<String, Vec<String>>,
    /// (name, display name, teams)
    users: Vec<(String, String, Vec<String>)>,
    /// (name, domain, owner team)
    systems: Vec<(String, String, String)>,
    repos: Vec<Repo>,
}

fn uniq(name: String, taken: &mut HashSet<String>) -> String {
    let name = first_free(name, taken);
    taken.insert(name.clone());
    name
}

/// `uniq` against a copy of `taken`: the name it would pick, nothing reserved.
fn first_free(base: String, taken: &HashSet<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// Python's round(): half to even.
fn py_round(x: f64) -> usize {
    x.round_ties_even() as usize
}

impl Org {
    fn new(mut rng: PyRandom, n_repos: usize, dangling: f64) -> Org {
        let (depts_all, domains_all) = (words(DEPTS), words(DOMAINS));
        let (colors, animals, first, last) =
            (words(COLORS), words(ANIMALS), words(FIRST), words(LAST));
        let (sysnouns, tech, roles) = (words(SYSNOUNS), words(TECH), words(ROLES));
        let mut taken = HashSet::new();
        let n_teams = py_round(n_repos as f64 / 10.0).max(2);
        let n_depts = py_round((n_teams as f64).sqrt() / 1.5)
            .min(depts_all.len())
            .max(2);
        let depts: Vec<String> = depts_all[..n_depts]
            .iter()
            .map(|d| uniq(d.to_string(), &mut taken))
            .collect();
        let n_domains = (n_repos / 50).min(domains_all.len()).max(2);
        let domains: Vec<String> = domains_all[..n_domains]
            .iter()
            .map(|d| uniq(d.to_string(), &mut taken))
            .collect();
        let mut teams = Vec::with_capacity(n_teams);
        for i in 0..n_teams {
            let color = rng.choice(&colors);
            let animal = rng.choice(&animals);
            let team = uniq(format!("team-{color}-{animal}"), &mut taken);
            teams.push((team, depts[i % depts.len()].clone()));
        }
        let mut members: HashMap<String, Vec<String>> =
            teams.iter().map(|(t, _)| (t.clone(), Vec::new())).collect();
        let mut users = Vec::new();
        for (t, _) in &teams {
            for _ in 0..rng.randint(4, 12) {
                let (f, l) = (*rng.choice(&first), *rng.choice(&last));
                let mut user_teams = vec![t.clone()];
                if rng.random() < 0.1 {
                    let other = rng.choice(&teams).0.clone();
                    if other != *t {
                        user_teams.push(other);
                    }
                }
                let u = uniq(format!("{f}.{l}"), &mut taken);
                for tm in &user_teams {
                    members.get_mut(tm).expect("known team").push(u.clone());
                }
                users.push((
                    u,
                    format!("{} {}", capitalize(f), capitalize(l)),
                    user_teams,
                ));
            }
        }
        let mut systems = Vec::new();
        for i in 0..(n_repos / 8).max(2) {
            let d = domains[i % domains.len()].clone();
            let name = uniq(format!("{d}-{}", rng.choice(&sysnouns)), &mut taken);
            let owner = rng.choice(&teams).0.clone();
            systems.push((name, d, owner));
        }
        let mut repos = Vec::with_capacity(n_repos);
        for _ in 0..n_repos {
            let (system, domain, sys_owner) = rng.choice(&systems).clone();
            let (t, role) = (rng.choice(&tech), rng.choice(&roles));
            let name = uniq(format!("{domain}-{t}-{role}"), &mut taken);
            let owner = if rng.random() < 0.7 {
                sys_owner
            } else {
                rng.choice(&teams).0.clone()
            };
            let api = (rng.random() < 0.6).then(|| uniq(format!("{name}-api"), &mut taken));
            let res_type = (rng.random() < 0.35).then(|| *rng.choice(&RES_SUFFIX));
            let resource = res_type.map(|(_, suffix)| uniq(format!("{name}-{suffix}"), &mut taken));
            let kind = *rng.choice(&TYPES);
            let lifecycle = *rng.choice(&LIFECYCLES);
            repos.push(Repo {
                name,
                system,
                domain,
                owner,
                api,
                resource,
                res_type: res_type.map(|(t, _)| t),
                kind,
                lifecycle,
                consumes: Vec::new(),
                depends: Vec::new(),
            });
        }
        let apis: Vec<String> = repos.iter().filter_map(|r| r.api.clone()).collect();
        let names: Vec<String> = repos.iter().map(|r| r.name.clone()).collect();
        for r in &mut repos {
            // sorted(set(sample(...)) - {own}): no hash order reaches the output.
            let k = rng.randint(0, 3).min(apis.len());
            let consumes: BTreeSet<String> = rng.sample(&apis, k).into_iter().collect();
            r.consumes = consumes
                .into_iter()
                .filter(|a| Some(a) != r.api.as_ref())
                .collect();
            let k = rng.randint(0, 2).min(n_repos);
            let depends: BTreeSet<String> = rng.sample(&names, k).into_iter().collect();
            r.depends = depends.into_iter().filter(|d| *d != r.name).collect();
        }
        Org {
            rng,
            dangling,
            dangling_refs: 0,
            taken,
            depts,
            domains,
            teams,
            members,
            users,
            systems,
            repos,
        }
    }
}

/// `Org.ref`: `prefix + name`, or (at the dangling rate) a plausible name
/// that does not exist.
fn reference(
    rng: &mut PyRandom,
    dangling: f64,
    taken: &HashSet<String>,
    count: &mut usize,
    name: &str,
    prefix: &str,
) -> String {
    if rng.random() < dangling {
        *count += 1;
        return format!("{prefix}{}", first_free(format!("{name}-legacy"), taken));
    }
    format!("{prefix}{name}")
}

// ---------------------------------------------------------------------------
// YAML text, formatted as the script formats it.

/// `str.capitalize()` for ASCII words.
fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase(),
        None => String::new(),
    }
}

/// `str.title()` for ASCII text.
fn title_case(text: &str) -> String {
    let mut prev_cased = false;
    text.chars()
        .map(|c| {
            let out = if !c.is_ascii_alphabetic() {
                c
            } else if prev_cased {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            };
            prev_cased = c.is_ascii_alphabetic();
            out
        })
        .collect()
}

/// `name.replace("-", " ").title()`
fn display(name: &str) -> String {
    title_case(&name.replace('-', " "))
}

/// A plain YAML scalar where that is safe, else a JSON string.
fn ystr(s: &str) -> String {
    let safe = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " .,-_/:".contains(c))
        && !s.contains(": ")
        && !s.ends_with(':');
    if safe {
        return s.to_string();
    }
    json_string(s)
}

/// `json.dumps(s)` for a string (ASCII escapes, as Python's default).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ylist<S: AsRef<str>>(key: &str, items: &[S]) -> Vec<String> {
    if items.is_empty() {
        return vec![format!("  {key}: []")];
    }
    let mut lines = vec![format!("  {key}:")];
    lines.extend(items.iter().map(|i| format!("    - {}", ystr(i.as_ref()))));
    lines
}

/// One YAML document; `meta` and `spec` are lines already indented by two.
fn entity(kind: &str, meta: Vec<String>, spec: Vec<String>) -> String {
    let mut lines = vec![
        "apiVersion: backstage.io/v1alpha1".to_string(),
        format!("kind: {kind}"),
        "metadata:".to_string(),
    ];
    lines.extend(meta);
    lines.push("spec:".to_string());
    lines.extend(spec);
    lines.join("\n")
}

fn documents(docs: &[String]) -> String {
    docs.join("\n---\n") + "\n"
}

fn put(root: &Path, rel: &str, data: impl AsRef<[u8]>, counts: &mut Counts) {
    let data = data.as_ref();
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
    }
    fs::write(&path, data).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    counts.files += 1;
    counts.bytes += data.len();
}

// ---------------------------------------------------------------------------
// Docs: Markdown prose and blocks, as the script's `Writer`.

/// `SECTIONS`: section folder, nav title, title pool; in the dict's order.
const SECTIONS: [(&str, &str, &[&str]); 5] = [
    (
        "getting-started",
        "Getting Started",
        &[
            "Overview",
            "Installation",
            "Quick start",
            "Local development",
            "Configuration",
            "Concepts",
        ],
    ),
    (
        "guides",
        "Guides",
        &[
            "Deploying the service",
            "Working with events",
            "Migrating from v1",
            "Writing handlers",
            "Testing strategy",
            "Feature flags",
            "Data retention",
        ],
    ),
    (
        "reference",
        "Reference",
        &[
            "Configuration reference",
            "API endpoints",
            "Metrics",
            "Error codes",
            "CLI reference",
            "Events",
            "Environment variables",
        ],
    ),
    (
        "operations",
        "Operations",
        &[
            "Runbook",
            "Monitoring and alerts",
            "Scaling",
            "Incident response",
            "Backups and restore",
            "Capacity planning",
        ],
    ),
    (
        "architecture",
        "Architecture",
        &[
            "Architecture overview",
            "Data model",
            "Decision records",
            "Security model",
            "Dependencies",
        ],
    ),
];

/// `HEADINGS`, with `{V}`, `{v}`, `{N}`, `{n}`, `{A}` placeholders.
const HEADINGS: [&str; 10] = [
    "{V}ing the {n}",
    "{N} {n} lifecycle",
    "Troubleshooting {n} errors",
    "How the {n} works",
    "Common {n} patterns",
    "When to {v} a {n}",
    "{A} {n} settings",
    "{N} and {n} limits",
    "Known {n} issues",
    "Choosing a {n} strategy",
];
const ADMONITIONS: [&str; 6] = ["note", "tip", "warning", "info", "danger", "example"];
const CODE_LANGS: [&str; 5] = ["rust", "python", "yaml", "bash", "json"];
const RUST_TYPES: [&str; 4] = ["u64", "String", "bool", "Duration"];
const STATUSES: [&str; 3] = ["ok", "degraded", "failed"];
const TABLE_KINDS: [&str; 4] = ["string", "integer", "boolean", "duration"];

/// The Python-Markdown toc slug, for ASCII text.
fn slugify(text: &str) -> String {
    let kept: String = text
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == ' ' || c == '-')
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join("-")
}

fn camel(name: &str) -> String {
    name.replace('.', "-").split('-').map(capitalize).collect()
}

/// `posixpath.dirname(path) or "."`
fn dirname(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir,
        _ => ".",
    }
}

/// `posixpath.relpath(path, start)` for relative, normalized paths.
fn relpath(path: &str, start: &str) -> String {
    let parts = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_string)
            .collect()
    };
    let (p, s) = (parts(path), parts(start));
    let common = p.iter().zip(&s).take_while(|(a, b)| a == b).count();
    let mut out = vec!["..".to_string(); s.len() - common];
    out.extend(p[common..].iter().cloned());
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

/// One page: path under docs/, nav title, h1.
type PagePlan = (String, String, String);

/// `Writer`: Markdown prose and blocks for one repository. The generator
/// is passed in (it is the repository's, shared with `page_text`).
struct Writer<'a> {
    vocab: &'a Vocab,
    name: String,
    domain: String,
    /// Config keys, then function names (`self.ids + self.fns`).
    ids: Vec<String>,
    fns: Vec<String>,
    /// (relative target, anchor, text), filled per page.
    links: Vec<(String, String, String)>,
    code_blocks: usize,
    code_lines: usize,
}

impl<'a> Writer<'a> {
    fn new(rng: &mut PyRandom, vocab: &'a Vocab, repo: &Repo) -> Writer<'a> {
        let (tech, verbs) = (words(TECH), words(VERBS));
        let stem = repo.name.split('-').nth(1).unwrap_or_default().to_string();
        let ids = (0..12)
            .map(|_| {
                let t = rng.choice(&tech);
                let u = rng.choice(&UNITS);
                format!("{stem}_{t}_{u}")
            })
            .collect();
        let fns = (0..8)
            .map(|_| {
                let v = rng.choice(&verbs);
                let t = rng.choice(&tech);
                format!("{v}_{t}")
            })
            .collect();
        Writer {
            vocab,
            name: repo.name.clone(),
            domain: repo.domain.clone(),
            ids,
            fns,
            links: Vec::new(),
            code_blocks: 0,
            code_lines: 0,
        }
    }

    fn words(&self, rng: &mut PyRandom, n: usize) -> Vec<String> {
        rng.choices_cum(&self.vocab.words, &self.vocab.cum, n)
            .into_iter()
            .cloned()
            .collect()
    }

    /// A sentence; unless plain, sometimes with inline code, emphasis or a
    /// link.
    fn sentence(&self, rng: &mut PyRandom, lo: usize, hi: usize, plain: bool) -> String {
        let n = rng.randint(lo, hi);
        let mut w = self.words(rng, n);
        w[0] = capitalize(&w[0]);
        let roll = if plain { 1.0 } else { rng.random() };
        // The position is drawn first, then the inserted text.
        if roll < 0.12 {
            let at = rng.randrange(1, w.len());
            let i = rng.below(self.ids.len() + self.fns.len());
            let ident = self.ids.iter().chain(&self.fns).nth(i).expect("in range");
            w.insert(at, format!("`{ident}`"));
        } else if roll < 0.18 {
            let at = rng.randrange(1, w.len());
            let text = self.words(rng, 2).join(" ");
            w.insert(at, format!("**{text}**"));
        } else if roll < 0.21 {
            let at = rng.randrange(1, w.len());
            let word = self.words(rng, 1).remove(0);
            w.insert(at, format!("*{word}*"));
        } else if roll < 0.25 && !self.links.is_empty() {
            let (target, anchor, text) = rng.choice(&self.links);
            let at = rng.randrange(1, w.len());
            let hash = if anchor.is_empty() {
                String::new()
            } else {
                format!("#{anchor}")
            };
            w.insert(at, format!("[{text}]({target}{hash})"));
        } else if roll < 0.27 {
            let site = format!("https://docs.example.com/{}", self.name);
            let at = rng.randrange(1, w.len());
            let word = self.words(rng, 1).remove(0);
            let tech = rng.choice(&words(TECH)).to_string();
            w.insert(at, format!("[{word}]({site}/{tech})"));
        }
        w.join(" ") + "."
    }

    fn paragraph(&self, rng: &mut PyRandom, n_words: usize) -> String {
        let (mut out, mut count) = (Vec::new(), 0);
        while count < n_words {
            let s = self.sentence(rng, 6, 22, false);
            count += s.matches(' ').count() + 1;
            out.push(s);
        }
        out.join("\n")
    }

    /// A fenced code block in one of five languages.
    fn code(&mut self, rng: &mut PyRandom) -> String {
        let tech = words(TECH);
        let n = self.name.clone();
        let fun = rng.choice(&self.fns).clone();
        let key = rng.choice(&self.ids).clone();
        let lang = *rng.choice(&CODE_LANGS);
        let k = rng.randint(2, 7);
        let fields = rng.sample(&self.ids, k);
        let mut body: Vec<String>;
        match lang {
            "rust" => {
                let ty = camel(&n) + "Config";
                body = vec![
                    "use std::time::Duration;".into(),
                    String::new(),
                    format!("/// {}", self.sentence(rng, 5, 12, false)),
                    "#[derive(Debug, Clone)]".into(),
                    format!("pub struct {ty} {{"),
                ];
                for f in &fields {
                    body.push(format!("    pub {f}: {},", rng.choice(&RUST_TYPES)));
                }
                let route = rng.choice(&tech);
                let ms = rng.randint(50, 5000);
                body.extend([
                    "}".into(),
                    String::new(),
                    format!("impl {ty} {{"),
                    format!(
                        "    pub fn {fun}(&self, client: &Client) -> Result<Response, Error> {{"
                    ),
                    format!(
                        "        let req = client.post(\"/v1/{route}s\").timeout(Duration::from_millis({ms}));"
                    ),
                    format!(
                        "        req.header(\"x-{n}\", &self.{}.to_string()).send()",
                        fields[0]
                    ),
                    "    }".into(),
                    "}".into(),
                ]);
            }
            "python" => {
                let timeout = rng.randint(1, 30);
                let doc = self.sentence(rng, 5, 12, false);
                let route = rng.choice(&tech);
                body = vec![
                    "import requests".into(),
                    String::new(),
                    String::new(),
                    format!("def {fun}({key}: str, timeout: float = {timeout}.0) -> dict:"),
                    format!("    \"\"\"{doc}\"\"\""),
                    format!("    url = f\"https://{n}.internal/api/v1/{route}s/{{{key}}}\""),
                    "    resp = requests.get(url, timeout=timeout)".into(),
                    "    resp.raise_for_status()".into(),
                    "    data = resp.json()".into(),
                ];
                body.extend(
                    fields
                        .iter()
                        .map(|f| format!("    data.setdefault(\"{f}\", None)")),
                );
                body.push("    return data".into());
            }
            "yaml" => {
                let replicas = rng.randint(1, 12);
                let major = rng.randint(1, 9);
                let minor = rng.randint(0, 40);
                body = vec![
                    "apiVersion: apps/v1".into(),
                    "kind: Deployment".into(),
                    "metadata:".into(),
                    format!("  name: {n}"),
                    format!("  namespace: {}", self.domain),
                    "spec:".into(),
                    format!("  replicas: {replicas}"),
                    "  template:".into(),
                    "    spec:".into(),
                    "      containers:".into(),
                    format!("        - name: {n}"),
                    format!("          image: registry.example.com/{ORG}/{n}:{major}.{minor}.0"),
                    "          env:".into(),
                ];
                for f in &fields {
                    body.push(format!("            - name: {}", f.to_uppercase()));
                    body.push(format!("              value: \"{}\"", rng.randint(1, 9999)));
                }
            }
            "bash" => {
                body = vec![
                    format!("git clone git@github.example.com:{ORG}/{n}.git && cd {n}"),
                    "make build".into(),
                    format!(
                        "kubectl -n {} rollout status deploy/{n} --timeout={}m",
                        self.domain,
                        rng.randint(1, 10)
                    ),
                ];
                for f in fields.iter().take(3) {
                    let t = rng.choice(&tech);
                    let v = rng.randint(1, 99);
                    body.push(format!(
                        "curl -sf https://{n}.internal/api/v1/{t}s?{f}={v} | jq ."
                    ));
                }
            }
            _ => {
                body = vec![
                    "{".into(),
                    format!("  \"service\": \"{n}\","),
                    format!("  \"{fun}\": {{"),
                ];
                for f in &fields {
                    body.push(format!("    \"{f}\": {},", rng.randint(0, 10000)));
                }
                let last = body.last_mut().expect("not empty");
                *last = last.trim_end_matches(',').to_string();
                let status = rng.choice(&STATUSES);
                body.extend([
                    "  },".into(),
                    format!("  \"status\": \"{status}\""),
                    "}".into(),
                ]);
            }
        }
        self.code_blocks += 1;
        self.code_lines += body.len();
        format!("```{lang}\n{}\n```", body.join("\n"))
    }

    fn table(&self, rng: &mut PyRandom) -> String {
        let mut rows = vec![
            "| Key | Type | Default | Description |".to_string(),
            "| --- | --- | --- | --- |".to_string(),
        ];
        let k = rng.randint(3, 8);
        for key in rng.sample(&self.ids, k) {
            let kind = rng.choice(&TABLE_KINDS);
            let default = rng.randint(0, 500);
            let text = self.sentence(rng, 4, 10, false);
            rows.push(format!("| `{key}` | {kind} | `{default}` | {text} |"));
        }
        rows.join("\n")
    }

    fn bullets(&self, rng: &mut PyRandom) -> String {
        let mut out = Vec::new();
        let numbered = rng.random() < 0.4;
        for i in 0..rng.randint(3, 7) {
            let marker = if numbered {
                format!("{}. ", i + 1)
            } else {
                "- ".to_string()
            };
            out.push(marker + &self.sentence(rng, 4, 14, false));
            if rng.random() < 0.2 {
                for _ in 0..rng.randint(2, 3) {
                    out.push(format!("    - {}", self.sentence(rng, 3, 8, false)));
                }
            }
        }
        out.join("\n")
    }

    fn admonition(&self, rng: &mut PyRandom) -> String {
        let kind = rng.choice(&ADMONITIONS);
        let title = if rng.random() < 0.5 {
            format!(" \"{}\"", capitalize(&self.words(rng, 3).join(" ")))
        } else {
            String::new()
        };
        let n = rng.randint(15, 50);
        let text = self.paragraph(rng, n);
        let body: Vec<String> = text.split('\n').map(|l| format!("    {l}")).collect();
        format!("!!! {kind}{title}\n{}", body.join("\n"))
    }
}

/// `plan_pages`: index.md, then sections (one nested level).
fn plan_pages(rng: &mut PyRandom, n_pages: usize) -> Vec<PagePlan> {
    let k = if n_pages > 1 {
        let r = rng.randint(2, 4);
        (n_pages - 1).min(r).max(1).min(SECTIONS.len())
    } else {
        0
    };
    let all: Vec<&str> = SECTIONS.iter().map(|s| s.0).collect();
    let chosen = rng.sample(&all, k);
    let dirs: Vec<usize> = (0..SECTIONS.len())
        .filter(|&i| chosen.contains(&SECTIONS[i].0))
        .collect();
    let mut pages = vec![(
        "index.md".to_string(),
        "Home".to_string(),
        "Overview".to_string(),
    )];
    let mut used: HashSet<String> = HashSet::from(["index".to_string()]);
    let mut pools: Vec<Vec<&str>> = dirs
        .iter()
        .map(|&d| rng.sample(SECTIONS[d].2, SECTIONS[d].2.len()))
        .collect();
    let (adjs, tech) = (words(ADJS), words(TECH));
    for i in 0..n_pages.saturating_sub(1) {
        let slot = i % dirs.len();
        let d = SECTIONS[dirs[slot]].0;
        let title = match pools[slot].pop() {
            Some(t) => t.to_string(),
            None => {
                let a = capitalize(rng.choice::<&str>(&adjs));
                let t1 = rng.choice(&tech);
                let t2 = rng.choice(&tech);
                format!("{a} {t1} {t2}s")
            }
        };
        let slug = uniq(slugify(&title), &mut used);
        let sub = if d == "reference" && i >= 2 * dirs.len() {
            "details/"
        } else {
            ""
        };
        pages.push((format!("{d}/{sub}{slug}.md"), title.clone(), title));
    }
    // Group by section, nested pages last (a stable sort, as Python's).
    let order = |path: &str| {
        let dir = path.split('/').next().unwrap_or_default();
        let pos = dirs.iter().position(|&d| SECTIONS[d].0 == dir);
        (pos, path.matches('/').count())
    };
    pages[1..].sort_by_key(|p| order(&p.0));
    pages
}

fn nav_yaml(pages: &[PagePlan]) -> String {
    let mut lines = vec!["nav:".to_string(), "  - Home: index.md".to_string()];
    let (mut open_dir, mut open_sub): (Option<&str>, Option<&str>) = (None, None);
    for (path, title, _) in &pages[1..] {
        let parts: Vec<&str> = path.split('/').collect();
        if Some(parts[0]) != open_dir {
            open_dir = Some(parts[0]);
            open_sub = None;
            let nav = SECTIONS
                .iter()
                .find(|s| s.0 == parts[0])
                .expect("a section")
                .1;
            lines.push(format!("  - {nav}:"));
        }
        if parts.len() == 3 {
            if open_sub != Some(parts[1]) {
                open_sub = Some(parts[1]);
                lines.push("      - Details:".to_string());
            }
            lines.push(format!("          - {}: {path}", ystr(title)));
        } else {
            lines.push(format!("      - {}: {path}", ystr(title)));
        }
    }
    lines.join("\n")
}

/// `headings_for`: n headings with distinct slugs.
fn headings_for(rng: &mut PyRandom, n: usize) -> Vec<String> {
    let (verbs, tech, adjs) = (words(VERBS), words(TECH), words(ADJS));
    let mut used = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let template = *rng.choice(&HEADINGS);
        // Keyword arguments are evaluated in order: V, v, N, n, A.
        let big_v = capitalize(rng.choice::<&str>(&verbs))
            .trim_end_matches('e')
            .to_string();
        let v = rng.choice(&verbs).to_string();
        let big_n = capitalize(rng.choice::<&str>(&tech));
        let small_n = rng.choice(&tech).to_string();
        let a = capitalize(rng.choice::<&str>(&adjs));
        let h = template
            .replace("{V}", &big_v)
            .replace("{v}", &v)
            .replace("{N}", &big_n)
            .replace("{n}", &small_n)
            .replace("{A}", &a);
        if used.insert(slugify(&h)) {
            out.push(h);
        }
    }
    out
}

/// CRC-32 (IEEE), as zlib.crc32.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A tiny PNG with stored deflate blocks (the script's `png`).
fn png(rgb: [u8; 3], size: usize) -> Vec<u8> {
    let mut row = vec![0u8];
    for _ in 0..size / 2 {
        row.extend_from_slice(&rgb);
    }
    for _ in 0..size / 2 {
        row.extend(rgb.iter().map(|c| 255 - c));
    }
    let raw = row.repeat(size);
    let mut data = vec![0x78, 0x01];
    let mut i = 0;
    while i < raw.len() {
        let part = &raw[i..raw.len().min(i + 65535)];
        data.push(u8::from(i + 65535 >= raw.len()));
        let len = part.len() as u16;
        data.extend_from_slice(&len.to_le_bytes());
        data.extend_from_slice(&(0xFFFF ^ len).to_le_bytes());
        data.extend_from_slice(part);
        i += 65535;
    }
    data.extend_from_slice(&adler32(&raw).to_be_bytes());
    let chunk = |out: &mut Vec<u8>, tag: &[u8], body: &[u8]| {
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut tagged = tag.to_vec();
        tagged.extend_from_slice(body);
        out.extend_from_slice(&tagged);
        out.extend_from_slice(&crc32(&tagged).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&(size as u32).to_be_bytes());
    header.extend_from_slice(&(size as u32).to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", b"");
    out
}

/// The architecture diagram: the component, then what it provides and uses.
fn svg(repo: &Repo) -> String {
    let mut boxes = vec![repo.name.as_str()];
    boxes.extend(repo.api.as_deref());
    boxes.extend(repo.resource.as_deref());
    boxes.extend(repo.depends.iter().map(String::as_str));
    let mut parts = vec![format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"{}\" \
         font-family=\"sans-serif\" font-size=\"14\">",
        60 * boxes.len() + 20
    )];
    for (i, b) in boxes.iter().enumerate() {
        let (x, y) = (if i == 0 { 20 } else { 320 }, 20 + 60 * i);
        parts.push(format!(
            "  <rect x=\"{x}\" y=\"{y}\" width=\"280\" height=\"40\" rx=\"6\" fill=\"#e8eef7\" stroke=\"#3b6ea5\"/>"
        ));
        parts.push(format!(
            "  <text x=\"{}\" y=\"{}\">{b}</text>",
            x + 16,
            y + 25
        ));
        if i > 0 {
            parts.push(format!(
                "  <line x1=\"300\" y1=\"40\" x2=\"320\" y2=\"{}\" stroke=\"#3b6ea5\"/>",
                y + 20
            ));
        }
    }
    parts.push("</svg>".to_string());
    parts.push(String::new());
    parts.join("\n")
}

/// Per page: its h2 headings and, per h2, its h3 headings.
struct Headings {
    heads: Vec<Vec<String>>,
    subs: Vec<Vec<Vec<String>>>,
}

/// `page_text`: the Markdown of page `p`.
fn page_text(
    rng: &mut PyRandom,
    w: &mut Writer,
    pages: &[PagePlan],
    hs: &Headings,
    p: usize,
    name: &str,
) -> String {
    let (path, _, h1) = &pages[p];
    let here = dirname(path);
    w.links.clear();
    for (q, (target, _, _)) in pages.iter().enumerate() {
        if q != p {
            let anchor = if rng.random() < 0.8 {
                slugify(rng.choice::<String>(&hs.heads[q]))
            } else {
                String::new()
            };
            let text = w.words(rng, 2).join(" ");
            w.links.push((relpath(target, here), anchor, text));
        }
    }
    let img = relpath("images", here);
    let budget = rng.triangular(150.0, 800.0, 300.0) as usize;
    let parts = 1 + hs.heads[p].len() + hs.subs[p].iter().map(Vec::len).sum::<usize>();
    let mut out = vec![format!("# {h1}"), String::new()];
    let mut has_code = false;

    let mut body = |rng: &mut PyRandom, w: &mut Writer, out: &mut Vec<String>, first: bool| {
        for _ in 0..rng.randint(1, 2) {
            let n = 15.max((budget as f64 / parts as f64 / 1.5) as usize);
            out.push(w.paragraph(rng, n));
            out.push(String::new());
        }
        let roll = rng.random();
        if first && pages.len() > 1 {
            let q = (p + 1) % pages.len();
            let link = format!(
                "{}#{}",
                relpath(&pages[q].0, here),
                slugify(&hs.heads[q][0])
            );
            out.push(format!(
                "See [{}]({link}) for related material.",
                pages[q].2
            ));
            out.push(String::new());
        }
        if first && p == 0 {
            out.extend([
                format!("![Architecture of {name}]({img}/architecture.svg)"),
                String::new(),
                format!("![{name} logo]({img}/logo.png)"),
                String::new(),
            ]);
        } else if rng.random() < 0.08 {
            out.extend([format!("![Diagram]({img}/architecture.svg)"), String::new()]);
        }
        let block = if roll < 0.45 {
            has_code = true;
            Some(w.code(rng))
        } else if roll < 0.65 {
            Some(w.bullets(rng))
        } else if roll < 0.8 {
            Some(w.table(rng))
        } else if roll < 0.95 {
            Some(w.admonition(rng))
        } else {
            None
        };
        if let Some(block) = block {
            out.extend([block, String::new()]);
        }
    };

    body(rng, w, &mut out, true);
    for (h2, h3s) in hs.heads[p].iter().zip(&hs.subs[p]) {
        out.extend([format!("## {h2}"), String::new()]);
        body(rng, w, &mut out, false);
        for h3 in h3s {
            out.extend([format!("### {h3}"), String::new()]);
            body(rng, w, &mut out, false);
        }
    }
    if !has_code {
        out.extend([w.code(rng), String::new()]);
    }
    out.join("\n")
}

// ---------------------------------------------------------------------------
// Files.

/// One repository, from its own generator: catalog-info.yaml (Component
/// [+ API] [+ Resource]), README.md, the images, mkdocs.yml and the pages.
fn write_repo(
    out: &Path,
    org: &mut Org,
    idx: usize,
    seed: u64,
    n_pages: usize,
    vocab: &Vocab,
    counts: &mut Counts,
) {
    let mut rng = PyRandom::from_str(&format!("{seed}:repo:{idx}"));
    let rng = &mut rng;
    let mut w = Writer::new(rng, vocab, &org.repos[idx]);
    let desc = w.sentence(rng, 6, 14, true);
    let root = out.join("repos").join(&org.repos[idx].name);
    let catalog = catalog_info(org, idx, &w, rng, &desc, counts);
    put(&root, "catalog-info.yaml", catalog, counts);

    let repo = &org.repos[idx];
    let (n, title) = (repo.name.clone(), display(&repo.name));
    let readme = format!(
        "# {title}\n\n{desc}\n\nDocumentation lives in `docs/` and is published with TechDocs.\n"
    );
    put(&root, "README.md", readme, counts);
    let rgb = [0; 3].map(|_: u8| rng.randrange(40, 220) as u8);
    put(&root, "docs/images/logo.png", png(rgb, 32), counts);
    put(&root, "docs/images/architecture.svg", svg(repo), counts);
    let pages = plan_pages(rng, n_pages);
    let mkdocs = format!(
        "site_name: {}\nsite_description: {}\n\
         repo_url: https://github.example.com/{ORG}/{n}\nedit_uri: edit/main/docs/\n\n\
         {}\n\nplugins:\n  - techdocs-core\n",
        ystr(&title),
        ystr(&desc),
        nav_yaml(&pages)
    );
    put(&root, "mkdocs.yml", mkdocs, counts);
    counts.doc_sites += 1;
    let mut hs = Headings {
        heads: Vec::new(),
        subs: Vec::new(),
    };
    for _ in &pages {
        let k = rng.randint(3, 7);
        let n3: Vec<usize> = (0..k).map(|_| rng.randint(0, 2)).collect();
        let all = headings_for(rng, n3.len() + n3.iter().sum::<usize>());
        let mut next = n3.len();
        hs.heads.push(all[..n3.len()].to_vec());
        hs.subs.push(
            n3.iter()
                .map(|&m| {
                    next += m;
                    all[next - m..next].to_vec()
                })
                .collect(),
        );
    }
    for p in 0..pages.len() {
        let text = page_text(rng, &mut w, &pages, &hs, p, &n);
        counts.md_bytes += text.len();
        counts.pages += 1;
        put(&root, &format!("docs/{}", pages[p].0), text, counts);
    }
    counts.code_blocks += w.code_blocks;
    counts.code_lines += w.code_lines;
}

/// `catalog_info`: the Component, then (sometimes) its API and its Resource.
fn catalog_info(
    org: &mut Org,
    idx: usize,
    w: &Writer,
    rng: &mut PyRandom,
    desc: &str,
    counts: &mut Counts,
) -> String {
    let tech = words(TECH);
    let repo = &org.repos[idx];
    let (n, title) = (repo.name.clone(), display(&repo.name));
    let mut count = 0;
    let mut r = |rng: &mut PyRandom, name: &str, prefix: &str| {
        reference(rng, org.dangling, &org.taken, &mut count, name, prefix)
    };

    let lang = rng.choice(&LANGS);
    let meta = vec![
        format!("  name: {n}"),
        format!("  title: {title}"),
        format!("  description: {}", ystr(desc)),
        "  annotations:".to_string(),
        "    backstage.io/techdocs-ref: dir:.".to_string(),
        format!("    github.com/project-slug: {ORG}/{n}"),
        format!("  tags: [{}, {lang}]", repo.domain),
        "  links:".to_string(),
        format!("    - url: https://dashboards.example.com/d/{n}"),
        "      title: Dashboard".to_string(),
    ];
    let prefix = rng.choice(&OWNER_PREFIXES);
    let owner = r(rng, &repo.owner, prefix);
    let system = r(rng, &repo.system, "");
    let mut spec = vec![
        format!("  type: {}", repo.kind),
        format!("  lifecycle: {}", repo.lifecycle),
        format!("  owner: {owner}"),
        format!("  system: {system}"),
    ];
    spec.extend(ylist("providesApis", repo.api.as_slice()));
    let consumes: Vec<String> = repo.consumes.iter().map(|a| r(rng, a, "")).collect();
    spec.extend(ylist("consumesApis", &consumes));
    let mut depends: Vec<String> = repo
        .depends
        .iter()
        .map(|d| r(rng, d, "component:"))
        .collect();
    depends.extend(repo.resource.iter().map(|res| format!("resource:{res}")));
    spec.extend(ylist("dependsOn", &depends));
    let mut docs = vec![entity("Component", meta, spec)];
    counts.component += 1;

    if let Some(api) = &repo.api {
        let k = rng.randint(2, 6);
        let mut paths = Vec::new();
        for res in rng.sample(&tech, k) {
            let summary = w.sentence(rng, 3, 8, true);
            paths.extend([
                format!("        /{res}s/{{id}}:"),
                "          get:".to_string(),
                format!("            summary: {}", ystr(&summary)),
                "            parameters:".to_string(),
                "              - name: id".to_string(),
                "                in: path".to_string(),
                "                required: true".to_string(),
                "                schema: {type: string}".to_string(),
                "            responses:".to_string(),
                "              '200':".to_string(),
                format!("                description: The {res}"),
                "              '404':".to_string(),
                "                description: Not found".to_string(),
            ]);
        }
        let description = w.sentence(rng, 5, 12, true);
        let meta = vec![
            format!("  name: {api}"),
            format!("  description: {}", ystr(&description)),
        ];
        let owner = r(rng, &repo.owner, "");
        let system = r(rng, &repo.system, "");
        let (major, minor) = (rng.randint(1, 4), rng.randint(0, 20));
        let mut spec = vec![
            "  type: openapi".to_string(),
            format!("  lifecycle: {}", repo.lifecycle),
            format!("  owner: {owner}"),
            format!("  system: {system}"),
            "  definition: |".to_string(),
            "    openapi: 3.0.3".to_string(),
            "    info:".to_string(),
            format!("      title: {title} API"),
            format!("      version: {major}.{minor}.0"),
            "    paths:".to_string(),
        ];
        spec.extend(paths);
        docs.push(entity("API", meta, spec));
        counts.api += 1;
    }
    if let (Some(res), Some(res_type)) = (&repo.resource, repo.res_type) {
        let description = w.sentence(rng, 4, 10, true);
        let meta = vec![
            format!("  name: {res}"),
            format!("  description: {}", ystr(&description)),
        ];
        let owner = r(rng, &repo.owner, "");
        let system = r(rng, &repo.system, "");
        let spec = vec![
            format!("  type: {res_type}"),
            format!("  owner: {owner}"),
            format!("  system: {system}"),
        ];
        docs.push(entity("Resource", meta, spec));
        counts.resource += 1;
    }
    org.dangling_refs += count;
    documents(&docs)
}

/// The org repository: groups and users, domains and systems, and the root
/// Location that targets both files and every repository.
fn write_org(out: &Path, org: &mut Org, counts: &mut Counts) {
    let root = out.join("org");
    let mut groups = vec![entity(
        "Group",
        vec![
            format!("  name: {ORG}"),
            format!("  description: The {ORG} organisation"),
        ],
        [
            "  type: organization".to_string(),
            "  profile:".to_string(),
            format!("    displayName: {}", ORG.to_uppercase()),
        ]
        .into_iter()
        .chain(ylist("children", &org.depts))
        .collect(),
    )];
    for d in &org.depts {
        let teams: Vec<&str> = org
            .teams
            .iter()
            .filter(|(_, pd)| pd == d)
            .map(|(t, _)| t.as_str())
            .collect();
        let mut spec = vec![
            "  type: department".to_string(),
            "  profile:".to_string(),
            format!("    displayName: {}", display(d)),
            format!("  parent: {ORG}"),
        ];
        spec.extend(ylist("children", &teams));
        groups.push(entity("Group", vec![format!("  name: {d}")], spec));
    }
    for (t, d) in &org.teams {
        let mut spec = vec![
            "  type: team".to_string(),
            "  profile:".to_string(),
            format!("    displayName: {}", display(&t["team-".len()..])),
            format!("    email: {t}@{ORG}.example.com"),
            format!("  parent: {d}"),
            "  children: []".to_string(),
        ];
        spec.extend(ylist("members", &org.members[t]));
        groups.push(entity("Group", vec![format!("  name: {t}")], spec));
    }
    let users: Vec<String> = org
        .users
        .iter()
        .map(|(u, name, teams)| {
            let mut spec = vec![
                "  profile:".to_string(),
                format!("    displayName: {name}"),
                format!("    email: {u}@{ORG}.example.com"),
            ];
            spec.extend(ylist("memberOf", teams));
            entity("User", vec![format!("  name: {u}")], spec)
        })
        .collect();
    counts.group += groups.len();
    counts.user += users.len();
    groups.extend(users);
    put(&root, "org.yaml", documents(&groups), counts);

    let mut docs: Vec<String> = org
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            entity(
                "Domain",
                vec![
                    format!("  name: {d}"),
                    format!("  description: Everything about {d}"),
                ],
                vec![format!("  owner: {}", org.depts[i % org.depts.len()])],
            )
        })
        .collect();
    counts.domain += docs.len();
    for (s, d, o) in &org.systems {
        let owner = reference(
            &mut org.rng,
            org.dangling,
            &org.taken,
            &mut org.dangling_refs,
            o,
            "",
        );
        let domain = reference(
            &mut org.rng,
            org.dangling,
            &org.taken,
            &mut org.dangling_refs,
            d,
            "",
        );
        docs.push(entity(
            "System",
            vec![format!("  name: {s}")],
            vec![format!("  owner: {owner}"), format!("  domain: {domain}")],
        ));
        counts.system += 1;
    }
    put(&root, "systems.yaml", documents(&docs), counts);

    let mut targets = vec!["./org.yaml".to_string(), "./systems.yaml".to_string()];
    targets.extend(
        org.repos
            .iter()
            .map(|r| format!("../repos/{}/catalog-info.yaml", r.name)),
    );
    let location = entity(
        "Location",
        vec![
            format!("  name: {ORG}-root"),
            "  description: Every repository of the organisation".to_string(),
        ],
        ylist("targets", &targets),
    );
    put(&root, "catalog-info.yaml", documents(&[location]), counts);
    counts.location += 1;
}

// ---------------------------------------------------------------------------
// The organisation as git repositories.

/// The corpus as git repositories behind bare remotes (see the module
/// docs): what the `repos` benchmark crawls. Only that benchmark uses it;
/// the others include this file too.
#[allow(dead_code)]
pub mod git {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::{Path, PathBuf};

    use git2::{Oid, Repository, RepositoryInitOptions, Signature, Time, Tree};

    use super::{Counts, ORG, Preset, documents, entity, json_string, ylist};

    /// Where the root Location says the repositories are: the forge's
    /// organisation (rewritten to `forge/acme/` by backlot.yaml).
    pub const FORGE: &str = "https://github.com/acme/";
    /// The repository of the org files and the root Location.
    pub const ORG_REPO: &str = "org";
    /// The branch of every repository (and their HEAD).
    pub const BRANCH: &str = "main";
    /// When the generated commits were made (2024-01-02T03:04:05Z), so
    /// that every run writes the same objects and commit ids.
    pub const EPOCH: i64 = 1_704_164_645;
    /// Author and committer of every commit.
    pub const AUTHOR: (&str, &str) = ("Acme Bot", "bot@acme.example.com");

    /// What [`generate`] wrote besides the folder layout.
    pub struct Corpus {
        /// The organisation, as [`super::generate`] counts it (the same
        /// content both ways).
        pub counts: Counts,
        /// `git-portal/backlot.yaml`.
        pub config: PathBuf,
        /// `forge/acme/`: `<name>.git` per repository, and `org.git`.
        pub forge: PathBuf,
        /// The organisation's repositories in generation order (`org` not
        /// included).
        pub repos: Vec<String>,
        /// Bytes under `forge/` (packs, refs, config).
        pub bytes: u64,
    }

    impl Corpus {
        /// The bare repository of `name`.
        pub fn remote(&self, name: &str) -> PathBuf {
            self.forge.join(format!("{name}.git"))
        }
    }

    /// [`super::generate`]'s files, and the same organisation as git
    /// repositories.
    pub fn generate(preset: Preset, seed: u64, out: &Path) -> Corpus {
        publish_all(super::generate(preset, seed, out), out)
    }

    /// [`generate`] with [`super::generate_with`]'s overrides.
    pub fn generate_with(
        preset: Preset,
        n_repos: usize,
        n_pages: usize,
        seed: u64,
        dangling: f64,
        out: &Path,
    ) -> Corpus {
        let counts = super::generate_with(preset, n_repos, n_pages, seed, dangling, out);
        publish_all(counts, out)
    }

    /// The repositories of the folder layout just written under `out`
    /// (named by corpus.json, in generation order) as bare repositories,
    /// the org repository and git-portal/backlot.yaml.
    fn publish_all(counts: Counts, out: &Path) -> Corpus {
        let out = out
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        let forge = out.join("forge").join(ORG);
        let manifest = out.join("corpus.json");
        let manifest: serde_json::Value = serde_json::from_slice(
            &fs::read(&manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display())),
        )
        .expect("corpus.json is JSON");
        let repos: Vec<String> = manifest["repo_names"]
            .as_array()
            .expect("corpus.json lists repo_names")
            .iter()
            .map(|n| n.as_str().expect("a repository name").to_string())
            .collect();
        assert!(
            !repos.iter().any(|r| r == ORG_REPO),
            "a generated repository is named {ORG_REPO}"
        );
        for name in &repos {
            let files = read_folder(&out.join("repos").join(name));
            publish(
                &forge.join(format!("{name}.git")),
                &files,
                &format!("{name}: first version"),
            );
        }

        // The org repository: the org files, and a root Location that
        // names every repository by its forge URL (the folder layout's
        // names them by relative path).
        let mut targets = vec!["./org.yaml".to_string(), "./systems.yaml".to_string()];
        targets.extend(
            repos
                .iter()
                .map(|r| format!("{FORGE}{r}/blob/{BRANCH}/catalog-info.yaml")),
        );
        let location = entity(
            "Location",
            vec![
                format!("  name: {ORG}-root"),
                "  description: Every repository of the organisation".to_string(),
            ],
            ylist("targets", &targets),
        );
        let read = |name: &str| {
            let path = out.join("org").join(name);
            fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        };
        let files = vec![
            (
                "catalog-info.yaml".to_string(),
                documents(&[location]).into_bytes(),
            ),
            ("org.yaml".to_string(), read("org.yaml")),
            ("systems.yaml".to_string(), read("systems.yaml")),
        ];
        publish(
            &forge.join(format!("{ORG_REPO}.git")),
            &files,
            "org: first version",
        );

        let portal = out.join("git-portal");
        let config = portal.join("backlot.yaml");
        let text = format!(
            "title: {} Developer Portal\n\
             catalog:\n  locations:\n    - {{ type: git, target: {}, ref: {BRANCH}, path: catalog-info.yaml }}\n\
             git:\n  cache: .git-cache\n  rewrite:\n    - {{ from: {}, to: {} }}\n",
            ORG.to_uppercase(),
            json_string(&format!("{FORGE}{ORG_REPO}.git")),
            json_string(FORGE),
            json_string(&format!("file://{}/", forge.display())),
        );
        fs::create_dir_all(&portal).unwrap_or_else(|e| panic!("{}: {e}", portal.display()));
        fs::write(&config, text).unwrap_or_else(|e| panic!("{}: {e}", config.display()));
        let bytes = walkdir::WalkDir::new(out.join("forge"))
            .into_iter()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
        Corpus {
            counts,
            config,
            forge,
            repos,
            bytes,
        }
    }

    /// Every file under `dir`: path relative to it (`/`-separated), bytes.
    fn read_folder(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.unwrap_or_else(|e| panic!("walking {}: {e}", dir.display()));
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(dir).expect("under dir");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let bytes = fs::read(entry.path())
                .unwrap_or_else(|e| panic!("reading {}: {e}", entry.path().display()));
            files.push((rel.join("/"), bytes));
        }
        files
    }

    fn signature(when: i64) -> Signature<'static> {
        Signature::new(AUTHOR.0, AUTHOR.1, &Time::new(when, 0)).expect("a valid signature")
    }

    fn branch_ref() -> String {
        format!("refs/heads/{BRANCH}")
    }

    /// A new bare repository at `dir` (replacing any) with one commit on
    /// [`BRANCH`] holding `files`, its objects in one pack as a forge
    /// keeps them.
    fn publish(dir: &Path, files: &[(String, Vec<u8>)], message: &str) -> Oid {
        if dir.exists() {
            fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        let mut opts = RepositoryInitOptions::new();
        // No templates (hooks, info/exclude): the same files on every machine.
        opts.bare(true)
            .initial_head(BRANCH)
            .external_template(false);
        let repo = Repository::init_opts(dir, &opts)
            .unwrap_or_else(|e| panic!("git init {}: {e}", dir.display()));
        let entries: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        let tree = write_tree(&repo, &entries);
        let tree = repo.find_tree(tree).expect("the tree just written");
        let sig = signature(EPOCH);
        let commit = repo
            .commit(Some(&branch_ref()), &sig, &sig, message, &tree, &[])
            .unwrap_or_else(|e| panic!("commit in {}: {e}", dir.display()));
        pack(&repo, commit);
        commit
    }

    /// Trees for `files` (paths relative to the tree), bottom up.
    fn write_tree(repo: &Repository, files: &[(&str, &[u8])]) -> Oid {
        let mut builder = repo.treebuilder(None).expect("treebuilder");
        let mut folders: BTreeMap<&str, Vec<(&str, &[u8])>> = BTreeMap::new();
        for (path, bytes) in files {
            match path.split_once('/') {
                Some((folder, rest)) => folders.entry(folder).or_default().push((rest, bytes)),
                None => {
                    let blob = repo.blob(bytes).expect("blob");
                    builder.insert(path, blob, 0o100644).expect("tree entry");
                }
            }
        }
        for (folder, files) in folders {
            let tree = write_tree(repo, &files);
            builder.insert(folder, tree, 0o040000).expect("tree entry");
        }
        builder.write().expect("tree")
    }

    /// Packs everything `commit` reaches and drops the loose objects.
    fn pack(repo: &Repository, commit: Oid) {
        let objects = repo.path().join("objects");
        let mut builder = repo.packbuilder().expect("packbuilder");
        builder.set_threads(1);
        builder.insert_commit(commit).expect("pack the commit");
        builder
            .write(&objects.join("pack"), 0)
            .expect("write the pack");
        for entry in fs::read_dir(&objects).expect("objects folder").flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.len() == 2 && name.chars().all(|c| c.is_ascii_hexdigit()) {
                fs::remove_dir_all(entry.path()).expect("remove loose objects");
            }
        }
    }

    /// `tree` with the blob at `path` replaced by (or set to) `blob`.
    fn replace_path(repo: &Repository, tree: Option<&Tree>, path: &str, blob: Oid) -> Oid {
        let mut builder = repo.treebuilder(tree).expect("treebuilder");
        match path.split_once('/') {
            None => {
                builder.insert(path, blob, 0o100644).expect("tree entry");
            }
            Some((folder, rest)) => {
                let sub = tree
                    .and_then(|t| t.get_name(folder))
                    .and_then(|e| e.to_object(repo).ok())
                    .and_then(|o| o.into_tree().ok());
                let sub = replace_path(repo, sub.as_ref(), rest, blob);
                builder.insert(folder, sub, 0o040000).expect("tree entry");
            }
        }
        builder.write().expect("tree")
    }

    /// One new commit on [`BRANCH`] of the bare repository `dir`, whose
    /// tree is its parent's with the file at `path` set to `text`: the
    /// state a `git push` of one edited file leaves in the remote (the
    /// new objects loose, the branch moved). Returns the commit.
    pub fn commit_file(dir: &Path, path: &str, text: &[u8], message: &str, when: i64) -> Oid {
        let repo =
            Repository::open_bare(dir).unwrap_or_else(|e| panic!("open {}: {e}", dir.display()));
        let parent = repo
            .find_reference(&branch_ref())
            .and_then(|r| r.peel_to_commit())
            .unwrap_or_else(|e| panic!("{} in {}: {e}", BRANCH, dir.display()));
        let blob = repo.blob(text).expect("blob");
        let parent_tree = parent.tree().expect("tree of the commit");
        let tree = replace_path(&repo, Some(&parent_tree), path, blob);
        let tree = repo.find_tree(tree).expect("the tree just written");
        let sig = signature(when);
        let commit = repo
            .commit(None, &sig, &sig, message, &tree, &[&parent])
            .unwrap_or_else(|e| panic!("commit in {}: {e}", dir.display()));
        repo.reference(&branch_ref(), commit, true, message)
            .expect("move the branch");
        commit
    }

    /// Moves [`BRANCH`] of `dir` back to its first commit (the generated
    /// one), as a forced push would; returns it.
    pub fn reset_to_first(dir: &Path) -> Oid {
        let repo =
            Repository::open_bare(dir).unwrap_or_else(|e| panic!("open {}: {e}", dir.display()));
        let mut commit = repo
            .find_reference(&branch_ref())
            .and_then(|r| r.peel_to_commit())
            .unwrap_or_else(|e| panic!("{} in {}: {e}", BRANCH, dir.display()));
        while let Ok(parent) = commit.parent(0) {
            commit = parent;
        }
        repo.reference(
            &branch_ref(),
            commit.id(),
            true,
            "reset to the first commit",
        )
        .expect("move the branch");
        commit.id()
    }

    /// The file at `path` at the tip of [`BRANCH`] of `dir`.
    pub fn read_file(dir: &Path, path: &str) -> Vec<u8> {
        let repo =
            Repository::open_bare(dir).unwrap_or_else(|e| panic!("open {}: {e}", dir.display()));
        let tree = repo
            .find_reference(&branch_ref())
            .and_then(|r| r.peel_to_tree())
            .unwrap_or_else(|e| panic!("{} in {}: {e}", BRANCH, dir.display()));
        let entry = tree
            .get_path(Path::new(path))
            .unwrap_or_else(|e| panic!("{path} in {}: {e}", dir.display()));
        let blob = repo
            .find_blob(entry.id())
            .unwrap_or_else(|e| panic!("{path} in {}: {e}", dir.display()));
        blob.content().to_vec()
    }
}
