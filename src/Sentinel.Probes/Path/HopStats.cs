using System.Net;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// What one hop (one TTL) of a path answered over a run: the columns of <c>mtr --report</c>, and every
/// address that answered at that TTL (several when load-balanced paths answer), with how often.
/// </summary>
internal sealed class HopStats(int hop)
{
    private readonly List<(IPAddress Address, int Count)> _addresses = [];

    /// <summary>The TTL, 1 for the first router.</summary>
    public int Hop { get; } = hop;

    /// <summary>Probes sent with this TTL.</summary>
    public int Sent { get; set; }

    /// <summary>Probes that got any answer (time exceeded, echo reply, unreachable).</summary>
    public int Received => Rtt.Count;

    /// <summary>The round trips of the answers.</summary>
    public RttStats Rtt { get; } = new();

    /// <summary>The addresses that answered, most frequent first (ties: first seen first).</summary>
    public IReadOnlyList<(IPAddress Address, int Count)> Addresses =>
        _addresses.Select((a, i) => (a, i)).OrderByDescending(x => x.a.Count).ThenBy(x => x.i).Select(x => x.a).ToList();

    /// <summary>The address that answered most often, or null when none did.</summary>
    public IPAddress? Address => Addresses.Count > 0 ? Addresses[0].Address : null;

    /// <summary>An ICMP destination-unreachable code this hop answered with, if any (the path ends there).</summary>
    public byte? UnreachableCode { get; set; }

    /// <summary>Whether the destination itself answered at this TTL.</summary>
    public bool IsDestination { get; set; }

    /// <summary>Probes with no answer.</summary>
    public int Lost => Sent - Received;

    /// <summary>The share of probes without an answer, 0–1.</summary>
    public double LossRatio => Sent == 0 ? 0 : Lost / (double)Sent;

    /// <summary>Records one answer.</summary>
    public void Answer(IPAddress from, TimeSpan rtt)
    {
        Rtt.Add(rtt);
        var index = _addresses.FindIndex(a => a.Address.Equals(from));
        if (index >= 0)
        {
            _addresses[index] = (from, _addresses[index].Count + 1);
        }
        else
        {
            _addresses.Add((from, 1));
        }
    }
}
