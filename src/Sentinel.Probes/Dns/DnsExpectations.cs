using System.Globalization;
using System.Text.RegularExpressions;
using DnsClient;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// Holds one server's answer against the check's expectations: a valid rcode (NXDOMAIN, SERVFAIL and REFUSED
/// keep their own categories, other rcodes are <c>dns_rcode</c> with a hint for each), the expected records, blackbox_exporter's regular-expression rules per section
/// and the minimum TTL. Every broken expectation is one <c>dns_unexpected_answer</c> problem naming the server.
/// </summary>
internal sealed class DnsExpectations
{
    /// <summary>Records listed in a message before "and N more": a large answer must not make a huge message.</summary>
    private const int ListedRecords = 10;

    private readonly DnsSection _section;
    private readonly DnsQuery _query;
    private readonly IReadOnlyList<DnsExpectedRecord>? _exact;
    private readonly IReadOnlyList<DnsExpectedRecord> _include;
    private readonly IReadOnlyList<DnsExpectedRecord> _exclude;

    public DnsExpectations(DnsSection section, DnsQuery query)
    {
        _section = section;
        _query = query;
        var type = DnsVocabulary.Name(query.Type);
        _exact = section.ExpectAnswers is { } exact ? Parse(exact, type) : null;
        _include = Parse(section.AnswersInclude, type);
        _exclude = Parse(section.AnswersExclude, type);
    }

    /// <summary>Whether the server's rcode is one the check accepts; adds the failure when not.</summary>
    public bool CheckRcode(DnsServerAnswer answer, ProbeResultBuilder result)
    {
        var rcode = answer.Rcode!.Value;
        if (_section.ValidRcodes.Contains(rcode))
        {
            return true;
        }

        var server = answer.Server.Name;
        var expected = string.Join(", ", _section.ValidRcodes.Select(DnsVocabulary.Name));
        var hint = rcode == DnsHeaderResponseCode.NoError
            ? "the name exists (or answers) where the check expects it not to; compare the zone with the check's validRcodes"
            : DnsRcodes.Hint(rcode, server, _query.Name, _section.Asking);
        result.Problem(Dns(DnsRcodes.Category(rcode), rcode switch
        {
            DnsHeaderResponseCode.NotExistentDomain => $"{_query.Name} does not exist: {server} answered NXDOMAIN for {_query}",
            DnsHeaderResponseCode.ServerFailure => $"{server} answered SERVFAIL for {_query}",
            DnsHeaderResponseCode.Refused => $"{server} refused to answer {_query} (REFUSED)" + (_section.Recursion ? string.Empty : " to a query without recursion desired"),
            _ => $"{server} answered {DnsVocabulary.Name(rcode)} for {_query}, expected {expected}",
        }, hint));
        return false;
    }

    /// <summary>Checks the records of an answer whose rcode is valid.</summary>
    public void CheckRecords(DnsServerAnswer answer, ProbeResultBuilder result)
    {
        var server = answer.Server.Name;
        if (_exact is not null)
        {
            var missing = _exact.Where(e => !answer.Answers.Any(e.Matches)).Select(e => e.ToString()).ToList();
            var unexpected = answer.Answers.Where(a => !_exact.Any(e => e.Matches(a))).Select(a => a.Normalised).Distinct().ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                result.Problem(Unexpected($"{server}: the answer for {_query} is not the expected set: " +
                    Join(("missing", missing), ("unexpected", unexpected))));
            }
        }

        var absent = _include.Where(e => !answer.Answers.Any(e.Matches)).Select(e => e.ToString()).ToList();
        if (absent.Count > 0)
        {
            result.Problem(Unexpected($"{server}: the answer for {_query} lacks records it must include: {List(absent)}"));
        }

        var present = answer.Answers.Where(a => _exclude.Any(e => e.Matches(a))).Select(a => a.Normalised).Distinct().ToList();
        if (present.Count > 0)
        {
            result.Problem(Unexpected($"{server}: the answer for {_query} has records it must not: {List(present)}"));
        }

        CheckRules(server, "answer", answer.Answers, _section.ValidateAnswer, result);
        CheckRules(server, "authority", answer.Authority, _section.ValidateAuthority, result);
        CheckRules(server, "additional", answer.Additional, _section.ValidateAdditional, result);

        if (_section.MinTtl is { } minTtl && answer.Answers.Where(a => a.Ttl < minTtl.TotalSeconds).ToList() is { Count: > 0 } shortLived)
        {
            var lowest = shortLived.MinBy(a => a.Ttl)!;
            result.Problem(Unexpected($"{server}: {lowest.Normalised} has a TTL of {lowest.Ttl.ToString(CultureInfo.InvariantCulture)} s, " +
                $"below minTtl ({minTtl.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)" +
                (shortLived.Count > 1 ? $", as do {shortLived.Count - 1} more record(s)" : string.Empty)));
        }
    }

    /// <summary>
    /// blackbox_exporter's validRRs, rule for rule: failIfMatches fails when any record matches a pattern;
    /// failIfNotMatches when the section is empty or a record fails a pattern; failIfAllMatch — despite its
    /// name, as blackbox_exporter implements it — when not every record matches every pattern (an empty
    /// section passes); failIfNoneMatches when the section is empty or no record matches any pattern.
    /// </summary>
    private void CheckRules(string server, string section, IReadOnlyList<DnsRecordView> records, DnsRecordRules rules, ProbeResultBuilder result)
    {
        if (rules.IsEmpty)
        {
            return;
        }

        var lines = records.Select(r => r.Presentation).ToList();
        var where = $"{server}: the {section} section for {_query}";
        if (lines.Count == 0 && rules.FailIfNotMatches.Count > 0)
        {
            result.Problem(Unexpected($"{where} is empty, but failIfNotMatchesRegexp needs every record to match /{rules.FailIfNotMatches[0]}/"));
            return;
        }

        if (lines.Count == 0 && rules.FailIfNoneMatches.Count > 0)
        {
            result.Problem(Unexpected($"{where} is empty, but failIfNoneMatchesRegexp needs a record to match /{rules.FailIfNoneMatches[0]}/"));
            return;
        }

        foreach (var pattern in rules.FailIfMatches)
        {
            if (lines.FirstOrDefault(line => IsMatch(pattern, line)) is { } line)
            {
                result.Problem(Unexpected($"{where} has a record matching failIfMatchesRegexp /{pattern}/: {Shown(line)}"));
                return;
            }
        }

        foreach (var pattern in rules.FailIfNotMatches)
        {
            if (lines.FirstOrDefault(line => !IsMatch(pattern, line)) is { } line)
            {
                result.Problem(Unexpected($"{where} has a record not matching failIfNotMatchesRegexp /{pattern}/: {Shown(line)}"));
                return;
            }
        }

        foreach (var pattern in rules.FailIfAllMatch)
        {
            if (lines.FirstOrDefault(line => !IsMatch(pattern, line)) is { } line)
            {
                result.Problem(Unexpected($"{where}: not every record matches failIfAllMatchRegexp /{pattern}/ (blackbox_exporter's rule), for one {Shown(line)}"));
                return;
            }
        }

        if (rules.FailIfNoneMatches.Count > 0 && !lines.Any(line => rules.FailIfNoneMatches.Any(p => IsMatch(p, line))))
        {
            result.Problem(Unexpected($"{where} has no record matching failIfNoneMatchesRegexp " +
                string.Join(" or ", rules.FailIfNoneMatches.Select(p => $"/{p}/"))));
        }
    }

    /// <summary>A pattern that runs past its time limit on hostile data counts as matching nothing.</summary>
    private static bool IsMatch(Regex pattern, string line)
    {
        try
        {
            return pattern.IsMatch(line);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string Shown(string line) => "\"" + (line.Length > 300 ? line[..297] + "..." : line).Replace('\t', ' ') + "\"";

    private static string Join(params (string Label, List<string> Items)[] parts) =>
        string.Join("; ", parts.Where(p => p.Items.Count > 0).Select(p => $"{p.Label} {List(p.Items)}"));

    /// <summary>Records as a bracketed list, at most <see cref="ListedRecords"/> of them.</summary>
    internal static string List(IReadOnlyCollection<string> items) =>
        "[" + string.Join(", ", items.Take(ListedRecords)) + (items.Count > ListedRecords ? $", and {items.Count - ListedRecords} more" : string.Empty) + "]";

    private static List<DnsExpectedRecord> Parse(IReadOnlyList<DnsExpectedEntry> entries, string type) =>
        entries.Select(e => DnsExpectedRecord.TryParse(e.Text, type, out var record, out var error)
            ? record
            : throw new ArgumentException($"{e.Path}: {error}", nameof(entries))).ToList();

    private static Problem Unexpected(string message) => Dns(FailureCategories.DnsUnexpectedAnswer, message,
        "compare the records with the zone: either the zone changed or the check's expectations need updating");

    private static Problem Dns(string category, string message, string hint) => new(Layers.Dns, category, message, hint);
}
