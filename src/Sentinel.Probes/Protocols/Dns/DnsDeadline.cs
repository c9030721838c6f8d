using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>
/// How long a server was given, as the messages say it. The deadline itself is the caller's cancellation token:
/// the check's, or a share of it when servers are asked in turn.
/// </summary>
/// <param name="CheckTimeout">The check's timeout; null when the caller does not know it (then a deadline hit is the caller's to word).</param>
/// <param name="Share">The share of it this server had, or null for the whole timeout.</param>
internal readonly record struct DnsDeadline(TimeSpan? CheckTimeout, TimeSpan? Share = null)
{
    public override string ToString() => (CheckTimeout, Share) switch
    {
        ({ } timeout, { } share) => $"within {Duration.Format(share)}, its share of the check's timeout ({Duration.Format(timeout)})",
        ({ } timeout, null) => $"within the check's timeout ({Duration.Format(timeout)})",
        _ => "within the check's timeout",
    };
}
