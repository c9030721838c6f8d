using System.Text.Json;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Paths;

/// <summary>
/// Remembers the route of a path check between runs (in the check state store, so every node and a restart
/// see it) and reports a <c>path.route_changed</c> finding when a hop is answered by other addresses than
/// last time, or the destination moved to another hop. A hop that did not answer this run keeps the
/// addresses it had, so a silent, rate-limited hop is not a route change. The route before the last change
/// is kept beside the current one.
/// </summary>
internal static class RouteHistory
{
    public const string Key = "path.route";
    public const string ChangedFinding = "path.route_changed";

    /// <summary>
    /// Compares the run's route with the stored one and stores this one. A state store that fails (PostgreSQL away
    /// for a moment) only costs the comparison: a route change is a hint, not worth losing the run's hops and
    /// measurements for, and the next run compares again.
    /// </summary>
    public static async ValueTask CompareAsync(CheckDefinition check, PathTrace trace, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        var current = trace.Hops.Select(h => h.Addresses.Select(a => a.Address.ToString()).ToList()).ToList();
        if (current.TrueForAll(h => h.Count == 0) || cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            var stored = await context.State.GetAsync(check.Id, Key, cancellationToken).ConfigureAwait(false);
            var before = stored is null ? null : Read(stored.Json);
            List<List<string>>? previous = before?.Previous;
            Finding? changed = null;
            if (before is not null)
            {
                // Keep what silent hops answered before, so that a hop that said nothing this run does not count as changed.
                for (var i = 0; i < current.Count && i < before.Route.Count; i++)
                {
                    if (current[i].Count == 0)
                    {
                        current[i] = before.Route[i];
                    }
                }

                var changes = Differences(before, current, trace).ToList();
                if (changes.Count > 0)
                {
                    previous = before.Route;
                    changed = new Finding(ChangedFinding, FindingSeverity.Warning,
                        $"the route to {trace.Target} changed since the last run (stored {stored!.UpdatedAt:yyyy-MM-dd HH:mm:ss}Z by {stored.UpdatedBy}): {string.Join("; ", changes.Select(c => $"{c.Key} {c.Value}"))}",
                        "expected after maintenance or a failover; otherwise ask whoever runs the changed hop why traffic moved",
                        changes);
                }
            }

            var state = new StoredRoute(current, trace.Reached ? trace.Hops.Count : null, previous);
            await context.State.SetAsync(check.Id, Key, JsonSerializer.Serialize(state, PathJsonContext.Default.StoredRoute), context.Node, cancellationToken).ConfigureAwait(false);

            // Reported once stored: a change that could not be stored would be reported again by the next run.
            if (changed is not null)
            {
                result.Finding(changed);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            // The state store may be away for a while, or the run's deadline came: the run's hops and verdicts do not
            // need it, and the next run compares again.
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Differences(StoredRoute before, List<List<string>> current, PathTrace trace)
    {
        for (var i = 0; i < current.Count && i < before.Route.Count; i++)
        {
            var old = before.Route[i];
            var now = current[i];
            if (old.Count > 0 && now.Count > 0 && !old.Intersect(now, StringComparer.Ordinal).Any())
            {
                yield return new($"hop {i + 1}", $"{string.Join(", ", old)} -> {string.Join(", ", now)}");
            }
        }

        if (trace.Reached && before.DestinationHop is { } hops && hops != trace.Hops.Count)
        {
            yield return new("hops", $"{hops} -> {trace.Hops.Count}");
        }
    }

    private static StoredRoute? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PathJsonContext.Default.StoredRoute) is { Route: not null } route ? route : null;
        }
        catch (JsonException)
        {
            // State written by another version: start afresh rather than fail the check.
            return null;
        }
    }
}

/// <summary>The stored route: addresses per hop, the destination's hop when reached, and the route before the last change.</summary>
internal sealed record StoredRoute(List<List<string>> Route, int? DestinationHop, List<List<string>>? Previous);
