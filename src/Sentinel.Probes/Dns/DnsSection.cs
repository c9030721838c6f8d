using System.Net;
using System.Text.RegularExpressions;
using DnsClient;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>What a check does with its answers between runs.</summary>
internal enum DnsDriftMode
{
    /// <summary>Nothing: every run stands alone.</summary>
    Off,

    /// <summary>The first successful answer set becomes the baseline; a different set later is <c>dns_drift</c>.</summary>
    Baseline,
}

/// <summary>An expected record as written, with its JSON path; parsed against the queried type when the check is read.</summary>
internal sealed record DnsExpectedEntry(string Text, string Path);

/// <summary>
/// blackbox_exporter's rules for the records of one section, each a list of regular expressions matched against
/// a record's presentation line (<see cref="DnsRecordView.Presentation"/>).
/// </summary>
internal sealed record DnsRecordRules(
    IReadOnlyList<Regex> FailIfMatches,
    IReadOnlyList<Regex> FailIfNotMatches,
    IReadOnlyList<Regex> FailIfAllMatch,
    IReadOnlyList<Regex> FailIfNoneMatches)
{
    public static readonly DnsRecordRules None = new([], [], [], []);

    public bool IsEmpty => FailIfMatches.Count + FailIfNotMatches.Count + FailIfAllMatch.Count + FailIfNoneMatches.Count == 0;
}

/// <summary>
/// The settings of a <c>dns</c> check: what to ask (the target is the name; the record type), whom (servers,
/// default the system's), how (transport, recursion, EDNS0 buffer size), what must hold (rcodes, expected
/// records, regular-expression rules, minimum TTL), and whether answers are compared with a baseline or
/// between servers. Defaults follow dig: UDP with TCP fallback, recursion desired, a 1232-byte EDNS0 buffer.
/// </summary>
internal sealed record DnsSection : CheckSection
{
    /// <summary>The EDNS0 UDP payload size dig offers, as recommended by DNS Flag Day 2020 (no IP fragmentation).</summary>
    public const int DefaultEdnsBufferSize = 1232;

    /// <summary>The most servers one check may ask.</summary>
    public const int MaxServers = 10;

    public static readonly DnsSection Default = new();

    /// <summary>The record type; null means A, or PTR for a target that is an IP address.</summary>
    public QueryType? RecordType { get; init; }

    /// <summary>The servers to ask; null means the system's (the nameservers of /etc/resolv.conf).</summary>
    public IReadOnlyList<DnsServer>? Servers { get; init; }

    public DnsTransport Transport { get; init; } = DnsTransport.Udp;

    /// <summary>Whether a truncated UDP answer is asked again over TCP (RFC 7766 §5). Default true.</summary>
    public bool TcpFallback { get; init; } = true;

    /// <summary>The RD flag. Default true.</summary>
    public bool Recursion { get; init; } = true;

    /// <summary>The EDNS0 UDP payload size offered, 512–4096; 512 sends no OPT record at all.</summary>
    public int EdnsBufferSize { get; init; } = DefaultEdnsBufferSize;

    /// <summary>The rcodes that count as success. Default NOERROR.</summary>
    public IReadOnlyList<DnsHeaderResponseCode> ValidRcodes { get; init; } = [DnsHeaderResponseCode.NoError];

    /// <summary>The exact answer set expected, or null.</summary>
    public IReadOnlyList<DnsExpectedEntry>? ExpectAnswers { get; init; }

    /// <summary>Records the answer must contain.</summary>
    public IReadOnlyList<DnsExpectedEntry> AnswersInclude { get; init; } = [];

    /// <summary>Records the answer must not contain.</summary>
    public IReadOnlyList<DnsExpectedEntry> AnswersExclude { get; init; } = [];

    public DnsRecordRules ValidateAnswer { get; init; } = DnsRecordRules.None;

    public DnsRecordRules ValidateAuthority { get; init; } = DnsRecordRules.None;

    public DnsRecordRules ValidateAdditional { get; init; } = DnsRecordRules.None;

    /// <summary>The lowest TTL an answer record may have, or null.</summary>
    public TimeSpan? MinTtl { get; init; }

    public DnsDriftMode Drift { get; init; } = DnsDriftMode.Off;

    /// <summary>Whether all servers must return the same answer set.</summary>
    public bool Agree { get; init; }

    /// <summary>How the check's query is asked: its transport, fallback, RD flag and EDNS0 buffer size.</summary>
    public DnsAsking Asking => new(Recursion, EdnsBufferSize, CheckSetsEdns: true) { Transport = Transport, TcpFallback = TcpFallback };

    /// <summary>Every expected entry with its JSON path.</summary>
    public IEnumerable<DnsExpectedEntry> ExpectedEntries => (ExpectAnswers ?? []).Concat(AnswersInclude).Concat(AnswersExclude);

    private static readonly Dictionary<string, DnsTransport> Transports = new(StringComparer.Ordinal) { ["udp"] = DnsTransport.Udp, ["tcp"] = DnsTransport.Tcp };

    private static readonly Dictionary<string, DnsDriftMode> DriftModes = new(StringComparer.Ordinal) { ["off"] = DnsDriftMode.Off, ["baseline"] = DnsDriftMode.Baseline };

    public static CheckSection? Read(JsonObjectReader? r)
    {
        if (r is null)
        {
            return Default;
        }

        var recordType = r.Choice("recordType", DnsVocabulary.RecordTypes);
        var servers = ReadServers(r);
        var transport = r.Choice("transport", Transports);
        var tcpFallback = r.Boolean("tcpFallback");
        if (transport == DnsTransport.Tcp && tcpFallback is not null)
        {
            r.Error("tcpFallback", "applies only to transport \"udp\"; with \"tcp\" every query goes over TCP");
        }

        var recursion = r.Boolean("recursion");
        var edns = r.Integer("ednsBufferSize", 512, 4096);
        var rcodes = ReadRcodes(r);
        var expect = ReadEntries(r, "expectAnswers");
        var include = ReadEntries(r, "answersInclude");
        var exclude = ReadEntries(r, "answersExclude");
        var answer = ReadRules(r, "validateAnswer");
        var authority = ReadRules(r, "validateAuthority");
        var additional = ReadRules(r, "validateAdditional");
        var minTtl = r.Duration("minTtl", TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
        var drift = r.Choice("drift", DriftModes);
        var agree = r.Boolean("agree");
        if (agree == true && servers is { Count: < 2 })
        {
            r.Error("agree", $"needs at least two servers to compare, got {servers.Count}");
        }

        r.Complete();
        return new DnsSection
        {
            RecordType = recordType,
            Servers = servers,
            Transport = transport ?? DnsTransport.Udp,
            TcpFallback = tcpFallback ?? true,
            Recursion = recursion ?? true,
            EdnsBufferSize = edns ?? DefaultEdnsBufferSize,
            ValidRcodes = rcodes ?? [DnsHeaderResponseCode.NoError],
            ExpectAnswers = expect,
            AnswersInclude = include ?? [],
            AnswersExclude = exclude ?? [],
            ValidateAnswer = answer,
            ValidateAuthority = authority,
            ValidateAdditional = additional,
            MinTtl = minTtl,
            Drift = drift ?? DnsDriftMode.Off,
            Agree = agree ?? false,
        };
    }

    private static List<DnsServer>? ReadServers(JsonObjectReader r)
    {
        if (r.StringArray("servers", MaxServers, 64) is not { } texts)
        {
            return null;
        }

        var path = JsonPath.Member(r.Path, "servers");
        if (texts.Count == 0)
        {
            r.Error("servers", "must list at least one server; leave it out to use the system's");
            return null;
        }

        var servers = new List<DnsServer>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (!DnsServer.TryParse(texts[i], out var server, out var error))
            {
                r.ErrorAt(JsonPath.Index(path, i), error);
            }
            else if (servers.Any(s => s.Host == server.Host && s.Port == server.Port))
            {
                r.ErrorAt(JsonPath.Index(path, i), $"{new HostPort(server.Host, server.Port, server.Address)} is listed twice");
            }
            else
            {
                servers.Add(server);
            }
        }

        return servers;
    }

    private static List<DnsHeaderResponseCode>? ReadRcodes(JsonObjectReader r)
    {
        if (r.StringArray("validRcodes", DnsVocabulary.Rcodes.Count, 64) is not { } names)
        {
            return null;
        }

        if (names.Count == 0)
        {
            r.Error("validRcodes", "must list at least one rcode, such as \"NOERROR\"");
            return null;
        }

        var codes = new List<DnsHeaderResponseCode>();
        var path = JsonPath.Member(r.Path, "validRcodes");
        for (var i = 0; i < names.Count; i++)
        {
            if (DnsVocabulary.Rcodes.TryGetValue(names[i], out var code))
            {
                codes.Add(code);
            }
            else
            {
                r.ErrorAt(JsonPath.Index(path, i), $"unknown rcode \"{names[i]}\"; expected one of: {string.Join(", ", DnsVocabulary.Rcodes.Keys)}");
            }
        }

        return codes;
    }

    private static List<DnsExpectedEntry>? ReadEntries(JsonObjectReader r, string name)
    {
        if (r.Array(name, 1000) is not { } items)
        {
            return null;
        }

        var entries = new List<DnsExpectedEntry>();
        foreach (var (item, path) in items)
        {
            if (item.ValueKind == System.Text.Json.JsonValueKind.String && item.GetString() is { Length: > 0 and <= 4096 } text && !text.Any(char.IsControl))
            {
                entries.Add(new DnsExpectedEntry(text, path));
            }
            else
            {
                r.ErrorAt(path, $"expected a record as a non-empty string of at most 4096 characters, such as \"192.0.2.1\" or \"www.example.com. A 192.0.2.1\", got {JsonObjectReader.Describe(item)}");
            }
        }

        return entries;
    }

    private static DnsRecordRules ReadRules(JsonObjectReader parent, string name)
    {
        if (parent.Object(name) is not { } r)
        {
            return DnsRecordRules.None;
        }

        var rules = new DnsRecordRules(
            Patterns(r, "failIfMatchesRegexp"),
            Patterns(r, "failIfNotMatchesRegexp"),
            Patterns(r, "failIfAllMatchRegexp"),
            Patterns(r, "failIfNoneMatchesRegexp"));
        r.Complete();
        return rules;

        static List<Regex> Patterns(JsonObjectReader r, string member)
        {
            var patterns = new List<Regex>();
            foreach (var (item, path) in r.Array(member, 32) ?? [])
            {
                if (item.ValueKind != System.Text.Json.JsonValueKind.String || item.GetString() is not { Length: > 0 and <= 4096 } text)
                {
                    r.ErrorAt(path, $"expected a regular expression as a non-empty string of at most 4096 characters, got {JsonObjectReader.Describe(item)}");
                }
                else if (r.CompilePattern(text, path) is { } pattern)
                {
                    patterns.Add(pattern);
                }
            }

            return patterns;
        }
    }
}
