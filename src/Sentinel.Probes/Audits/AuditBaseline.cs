using System.Text.Json;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;

namespace Sentinel.Probes.Audits;

/// <summary>
/// The check's baseline header posture, kept through <see cref="ICheckStateStore"/> (PostgreSQL's check_state in the
/// daemon) under <see cref="AuditPosture.StateKey"/> with when and by whom. The first audit that completes takes
/// it; each later one is compared with it, and the baseline becomes the stronger of the two
/// (<see cref="AuditPosture.StrongestWith"/>): a weaker posture never replaces it, so <c>posture.regressed</c> is
/// reported on every run until the posture is restored, or until <c>sentinel audit accept</c> makes the current
/// posture the baseline. A baseline taken from another target does not apply: the check takes a new one.
/// </summary>
internal static class AuditBaseline
{
    /// <summary>
    /// Compares <paramref name="posture"/> with the stored baseline and stores the stronger of the two when that
    /// differs from what is stored. Returns the baseline compared with and its stored row, or null (no baseline yet or
    /// one of another target, an unreadable one, or the store away: drift is a hint, not worth failing the run for).
    /// </summary>
    public static async ValueTask<(AuditPosture Baseline, CheckState Stored)?> CompareAsync(
        AuditPosture posture, string checkId, ProbeContext context, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await context.State.GetAsync(checkId, AuditPosture.StateKey, cancellationToken).ConfigureAwait(false);
            var baseline = stored is null ? null : Read(stored.Json);
            if (baseline?.Target is { } target && target != posture.Target)
            {
                baseline = null;
            }

            var kept = posture.StrongestWith(baseline);
            if (baseline != kept)
            {
                await context.State.SetAsync(checkId, AuditPosture.StateKey, Write(kept), $"header audit on {context.Node}", cancellationToken).ConfigureAwait(false);
            }

            return baseline is null ? null : (baseline, stored!);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// What <c>sentinel audit accept</c> does (<see cref="BaselineAcceptance"/>): runs the check once (with its probe
    /// among <paramref name="types"/>) against an empty state, so that the posture of this run is taken as a fresh
    /// baseline by the audit's own rules, then stores it in <paramref name="store"/> as <paramref name="by"/>. A
    /// posture is taken only when the audit completed (every request answered); whether findings fail the check does
    /// not matter, since accepting a weaker policy is the point. Returns the result and the accepted posture, or null
    /// when none was taken.
    /// </summary>
    public static async Task<(ProbeResult Result, AuditPosture? Accepted)> AcceptAsync(
        ProbeTypes types, CheckDefinition check, ProbeContext context, ICheckStateStore store, string by, CancellationToken cancellationToken)
    {
        var (result, accepted) = await BaselineAcceptance.AcceptAsync(types, check, context, store, AuditPosture.StateKey, by, _ => true, cancellationToken).ConfigureAwait(false);
        return (result, accepted is null ? null : Read(accepted));
    }

    /// <summary>A posture as it is stored: <c>{"hsts": {...}, "cors": {...}, "headers": {...}, "target": "..."}</c>.</summary>
    public static string Write(AuditPosture posture) => JsonSerializer.Serialize(posture, AuditJsonContext.Default.AuditPosture);

    /// <summary>Reads a stored posture; null when it is not one (edited by hand, or another version's).</summary>
    public static AuditPosture? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, AuditJsonContext.Default.AuditPosture);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
