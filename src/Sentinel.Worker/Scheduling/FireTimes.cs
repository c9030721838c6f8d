using System.Text;

namespace Sentinel.Worker.Scheduling;

/// <summary>
/// Spreads checks over their interval: a check always fires at the same offset into its interval, derived
/// from a hash of its id, counted from the Unix epoch. So 10,000 checks on a 60 s interval do not all fire at
/// second 0, and the spread is the same on every node and after every restart.
/// </summary>
internal static class FireTimes
{
    /// <summary>The first fire time at or after <paramref name="now"/>.</summary>
    public static DateTimeOffset First(string checkId, TimeSpan interval, DateTimeOffset now)
    {
        var period = interval.Ticks;
        var offset = (long)(Hash(checkId) % (ulong)period);
        var sinceEpoch = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var intoPeriod = ((sinceEpoch - offset) % period + period) % period;
        var wait = intoPeriod == 0 ? 0 : period - intoPeriod;
        return now.ToUniversalTime().AddTicks(wait);
    }

    /// <summary>The offset of a check into its interval.</summary>
    public static TimeSpan Offset(string checkId, TimeSpan interval) =>
        TimeSpan.FromTicks((long)(Hash(checkId) % (ulong)interval.Ticks));

    /// <summary>FNV-1a over the id's UTF-8 bytes: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
