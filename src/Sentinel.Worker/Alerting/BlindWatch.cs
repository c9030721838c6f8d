using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// Whether this node is blind: more than half of its results of the last <see cref="Window"/> are <c>unknown</c>
/// (Sentinel's own fault: no permission for raw sockets, no file descriptors, a broken resolver configuration), with
/// at least <see cref="MinResults"/> results, so that one odd result does not page. Then one alert about Sentinel goes
/// out instead of one per check, since none of the checks can say anything about its target.
/// </summary>
internal sealed class BlindWatch(TimeProvider time)
{
    /// <summary>The span looked at: 5 minutes.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>The fewest results in the window that can make the node blind: 3.</summary>
    public const int MinResults = 3;

    // Bounded by what a node runs in 5 minutes; trimmed on every result.
    private readonly Queue<(DateTimeOffset At, string? Unknown)> _seen = new();
    private int _unknown;

    /// <summary>Counts <paramref name="result"/>; returns the verdict over the window.</summary>
    public BlindVerdict Observe(ProbeResult result)
    {
        var now = time.GetUtcNow();
        var unknown = result.Status == ProbeStatus.Unknown ? Describe(result.Failure) : null;
        _seen.Enqueue((now, unknown));
        if (unknown is not null)
        {
            _unknown++;
        }

        while (_seen.TryPeek(out var oldest) && now - oldest.At > Window)
        {
            if (_seen.Dequeue().Unknown is not null)
            {
                _unknown--;
            }
        }

        var blind = _seen.Count >= MinResults && _unknown * 2 > _seen.Count;
        var reason = blind
            ? _seen.Where(s => s.Unknown is not null).GroupBy(s => s.Unknown).OrderByDescending(g => g.Count()).First().Key
            : null;
        return new BlindVerdict(blind, _unknown, _seen.Count, reason);
    }

    private static string Describe(Problem? problem) => problem is null ? "probe_error" : $"{problem.Category}: {problem.Message}";
}

/// <summary>The blindness verdict over the window.</summary>
/// <param name="Blind">More than half unknown, with enough results.</param>
/// <param name="Unknown">Unknown results in the window.</param>
/// <param name="Total">Results in the window.</param>
/// <param name="Reason">The most common reason of the unknown results, when blind.</param>
internal sealed record BlindVerdict(bool Blind, int Unknown, int Total, string? Reason);
