using System.CommandLine;
using Sentinel.Probes;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel audit accept CHECK_ID</c>: runs a check with a header audit once and makes its current header posture
/// the check's baseline in the database, noting the command and the user (<see cref="AcceptCommand"/>), so that an
/// intended weakening stops being reported as <c>posture.regressed</c>.
/// </summary>
internal static class AuditCommand
{
    private static readonly AcceptKind Accept = new()
    {
        Name = "audit",
        Description = "Run a check with a header audit once and make its current header posture the baseline.",
        CheckDescription = "The id of a headers check, or of an http check with an audit, that keeps its posture.",
        StateKey = AuditPosture.StateKey,
        Refusal = check => SettingsOf(check) switch
        {
            null => check.Type == "http"
                ? $"check \"{check.Id}\" has no header audit; add an \"audit\" object to its http section"
                : $"check \"{check.Id}\" is a {check.Type} check; only headers checks and http checks with an audit have a header posture",
            { Posture: false } => $"check \"{check.Id}\" does not keep its header posture (\"posture\": false)",
            _ => null,
        },
        AcceptAsync = AcceptAsync,
        NothingAccepted = (id, _) => $"nothing accepted: the header audit of \"{id}\" did not complete now (the target or one of the audit's requests failed); a posture is only taken from a complete audit",
        Describe = Describe,
    };

    public static Command Create(TextWriter stdout, TextWriter stderr) =>
        new("audit", "Work with header audits: accept the current header posture as the baseline.") { AcceptCommand.Create(Accept, stdout, stderr) };

    /// <summary>The audit settings of a headers check, or of an http check with an audit; null for other checks.</summary>
    private static AuditSettings? SettingsOf(CheckDefinition check) => check.Section switch
    {
        HeadersSection headers => headers.Audit,
        HttpSection http => http.Audit as AuditSettings,
        _ => null,
    };

    private static async Task<(ProbeResult Result, string? Accepted)> AcceptAsync(CheckDefinition check, ProbeContext context, ICheckStateStore store, string by, CancellationToken cancellationToken)
    {
        var (result, accepted) = await AuditBaseline.AcceptAsync(ProbeCatalog.Default, check, context, store, by, cancellationToken).ConfigureAwait(false);
        return (result, accepted is null ? null : AuditBaseline.Write(accepted));
    }

    private static IEnumerable<string> Describe(string id, string by, string json, CheckState? previous)
    {
        var accepted = AuditBaseline.Read(json)!;
        yield return $"accepted the header posture of \"{id}\" as its baseline ({by}): {accepted.Describe()}";
        if (previous is not null && AuditBaseline.Read(previous.Json) is { } old)
        {
            var weaker = accepted.RegressionsSince(old);
            yield return weaker.Count == 0
                ? $"  not weaker than the baseline of {AcceptCommand.Stored(previous)}: {old.Describe()}"
                : $"  replacing the baseline of {AcceptCommand.Stored(previous)}, which was stronger: {string.Join("; ", weaker)}";
        }
    }
}
