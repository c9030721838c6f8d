using System.CommandLine;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel dns accept CHECK_ID</c>: runs a dns check once and makes its current answer set the check's
/// drift baseline in the database, noting the command and the user (<see cref="AcceptCommand"/>).
/// </summary>
internal static class DnsCommand
{
    private static readonly AcceptKind Accept = new()
    {
        Name = "dns",
        Description = "Run a dns check once and make its current answer the drift baseline.",
        CheckDescription = "The id of a dns check with \"drift\": \"baseline\".",
        StateKey = DnsDrift.StateKey,
        Refusal = check => check.SectionAs<DnsSection>() is { Drift: DnsDriftMode.Baseline } ? null
            : check.Type == "dns" ? $"check \"{check.Id}\" does not compare with a baseline; add \"drift\": \"baseline\" to its dns section"
            : $"check \"{check.Id}\" is a {check.Type} check; only dns checks have a drift baseline",
        AcceptAsync = AcceptAsync,
        NothingAccepted = NothingAccepted,
        Describe = Describe,
    };

    public static Command Create(TextWriter stdout, TextWriter stderr) =>
        new("dns", "Work with dns checks: accept the current answer as the drift baseline.") { AcceptCommand.Create(Accept, stdout, stderr) };

    private static async Task<(ProbeResult Result, string? Accepted)> AcceptAsync(CheckDefinition check, ProbeContext context, ICheckStateStore store, string by, CancellationToken cancellationToken)
    {
        var (result, accepted) = await DnsDrift.AcceptAsync(ProbeCatalog.Default, check, context, store, by, cancellationToken).ConfigureAwait(false);
        return (result, accepted?.ToJson());
    }

    private static IEnumerable<string> Describe(string id, string by, string json, CheckState? previous)
    {
        var accepted = DnsBaseline.FromJson(json)!;
        yield return $"accepted {accepted.Answers.Count} record(s) as the baseline of \"{id}\" ({by})";
        if (previous is not null && DnsBaseline.FromJson(previous.Json) is { } old && old.Query == accepted.Query)
        {
            var added = accepted.Answers.Except(old.Answers, StringComparer.Ordinal).ToList();
            var removed = old.Answers.Except(accepted.Answers, StringComparer.Ordinal).ToList();
            yield return added.Count + removed.Count == 0
                ? $"  unchanged from the baseline of {AcceptCommand.Stored(previous)}"
                : $"  replacing the baseline of {AcceptCommand.Stored(previous)}: added [{string.Join(", ", added)}]; removed [{string.Join(", ", removed)}]";
        }
    }

    /// <summary>Why a run took no baseline: it failed, or it passed with servers whose answers differ (one baseline serves them all).</summary>
    private static string NothingAccepted(string id, ProbeResult result)
    {
        if (!result.Success)
        {
            return $"nothing accepted: check \"{id}\" does not pass now; a baseline is only taken from a passing run";
        }

        return result.Problems.Any(p => p.Category == FailureCategories.DnsDisagreement)
            ? $"nothing accepted: check \"{id}\" passes, but its servers' answers differ (above), and one baseline serves them all; " +
              "set \"agree\": true to require them to agree, or give each server its own check"
            : $"nothing accepted: check \"{id}\" passes, but its run took no baseline (see above)";
    }
}
