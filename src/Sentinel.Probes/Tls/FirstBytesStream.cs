using Sentinel.Probes.Protocols;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Passes reads and writes through, keeping a copy of the first bytes the peer sent, so that a failed handshake
/// can say what the peer answered when it was not TLS ("SSH-2.0-…", "HTTP/1.1 400 …", an SMTP banner).
/// </summary>
internal sealed class FirstBytesStream(Stream inner) : PassThroughStream(inner)
{
    /// <summary>How many of the first bytes are kept.</summary>
    public const int Capacity = 64;

    private readonly byte[] _first = new byte[Capacity];
    private int _count;

    /// <summary>The first bytes read from the peer (at most <see cref="Capacity"/>).</summary>
    public ReadOnlySpan<byte> First => _first.AsSpan(0, _count);

    protected override void OnRead(ReadOnlySpan<byte> read)
    {
        var take = Math.Min(read.Length, Capacity - _count);
        read[..take].CopyTo(_first.AsSpan(_count));
        _count += take;
    }
}
