using System.IO.Compression;
using System.Text;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Reads a response body to its end with a cap, decoding its content codings (gzip, deflate, br; RFC 9110, 8.4)
/// as it goes, and records both sizes and when the last byte arrived. Memory stays bounded: the body is kept
/// only when a pattern must search it, and never beyond the cap; a compression bomb stops at the cap too.
/// </summary>
internal static class HttpBodyReader
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Reads the body; returns its text when <paramref name="keep"/>, and the problem that stopped it, if any.</summary>
    public static async Task<(string? Text, Problem? Problem)> ReadAsync(
        Stream content, HttpHop hop, long cap, bool keep, TimeProvider time, CancellationToken cancellationToken)
    {
        var declared = HttpAttempt.ContentLength(hop);

        // Whether the body's end is in the message (a length, chunked framing, HTTP/2) rather than the connection's close.
        var framed = hop.Version is { Major: >= 2 } || declared >= 0 || HttpAttempt.Chunked(hop);
        var wire = new CountingStream(content, hop, cap, declared, framed, time);
        var (decoded, decodable) = Decode(wire, hop.ContentEncoding);
        var kept = keep ? new MemoryStream() : null;
        var buffer = new byte[BufferSize];
        long decodedBytes = 0;
        try
        {
            int read;
            while ((read = await decoded.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                decodedBytes += read;
                if (decodedBytes > cap)
                {
                    hop.WireBytes = wire.Count;
                    return (null, TooLarge(hop, $"decodes to more than {Size(cap)} (maxBodyBytes) after {Size(wire.Count)} on the wire"));
                }

                kept?.Write(buffer, 0, read);
            }

            // A decoder may stop at its own end marker: read on to the end of the body so that transfer is whole.
            await wire.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BodyTooLargeException)
        {
            hop.WireBytes = wire.Count;
            return (null, TooLarge(hop, $"is larger than {Size(cap)} (maxBodyBytes) on the wire"));
        }
        catch (InvalidDataException ex)
        {
            hop.WireBytes = wire.Count;
            return (null, new Problem(Layers.Http, FailureCategories.HttpProtocolError,
                $"the {hop.ContentEncoding}-encoded body of {hop.Url} does not decode after {Size(wire.Count)}: {ex.Message}",
                "the server labels the body with a Content-Encoding it does not use, or sends it corrupted; compare with curl --compressed"));
        }

        hop.WireBytes = wire.Count;
        hop.DecodedBytes = decodable ? decodedBytes : null;
        return (kept is null ? null : Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length), null);
    }

    private static (Stream Stream, bool Decodable) Decode(Stream wire, string? contentEncoding)
    {
        if (string.IsNullOrWhiteSpace(contentEncoding))
        {
            return (wire, true);
        }

        // Codings are listed in the order they were applied; undo them from the last.
        Stream stream = wire;
        foreach (var coding in contentEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            switch (coding.ToLowerInvariant())
            {
                case "gzip" or "x-gzip":
                    stream = new GZipStream(stream, CompressionMode.Decompress);
                    break;
                case "br":
                    stream = new BrotliStream(stream, CompressionMode.Decompress);
                    break;
                case "deflate":
                    stream = new DeflateSniffingStream(stream);
                    break;
                case "identity":
                    break;
                default:
                    // An unknown coding: counted as received, its decoded size is not known.
                    return (wire, false);
            }
        }

        return (stream, true);
    }

    private static Problem TooLarge(HttpHop hop, string what) => new(Layers.Http, FailureCategories.HttpBodyTooLarge,
        $"the body of {hop.Url} {what}; reading stopped there",
        "raise maxBodyBytes if such a body is expected; otherwise the endpoint returns far more than it should");

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / 1024.0 / 1024.0:0.#} MiB",
    };

    private sealed class BodyTooLargeException : Exception;

    /// <summary>Counts the bytes of the body as transferred, enforces the cap, and notes when the last one arrived.</summary>
    /// <remarks>
    /// A framed body (a Content-Length, chunked, HTTP/2) ended with the connection read that brought its last byte
    /// (<see cref="HttpHop.LastReadAt"/>): a small body comes with the head and waits in the client's buffer while the
    /// client parses the head and Sentinel looks at it, time curl's <c>time_total</c> does not hold. A body that ends
    /// when the server closes the connection ends when the close is read, as curl's does.
    /// </remarks>
    private sealed class CountingStream(Stream inner, HttpHop hop, long cap, long declaredLength, bool framed, TimeProvider time) : PassThroughStream(inner)
    {
        private bool _ended;

        public long Count { get; private set; }

        // Once the body has ended no read reaches the connection again, so its last byte keeps the time it came.
        public override int Read(Span<byte> buffer) => _ended ? 0 : base.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _ended ? ValueTask.FromResult(0) : base.ReadAsync(buffer, cancellationToken);

        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[BufferSize];
            while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }

        protected override void OnRead(ReadOnlySpan<byte> read)
        {
            if (read.IsEmpty)
            {
                _ended = true;
                hop.LastByteAt ??= (framed ? hop.LastReadAt : null) ?? time.GetTimestamp();
                return;
            }

            Count += read.Length;
            hop.WireBytes = Count;
            if (Count == declaredLength)
            {
                hop.LastByteAt = hop.LastReadAt ?? time.GetTimestamp();
            }

            if (Count > cap)
            {
                throw new BodyTooLargeException();
            }
        }
    }

    /// <summary>
    /// "deflate" is the zlib format (RFC 9110, 8.4.1.2), but some servers send raw DEFLATE: look at the first two
    /// bytes (a zlib header has compression method 8 and a check value divisible by 31, RFC 1950) and decode either.
    /// </summary>
    private sealed class DeflateSniffingStream(Stream inner) : PassThroughStream(inner)
    {
        private const int HeadLength = 2;

        private Stream? _decoder;

        public override int Read(Span<byte> buffer)
        {
            if (_decoder is null)
            {
                var head = new byte[HeadLength];
                _decoder = Decoder(head.AsMemory(0, Inner.ReadAtLeast(head, HeadLength, throwOnEndOfStream: false)));
            }

            return _decoder.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_decoder is null)
            {
                var head = new byte[HeadLength];
                _decoder = Decoder(head.AsMemory(0, await Inner.ReadAtLeastAsync(head, HeadLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)));
            }

            return await _decoder.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        private Stream Decoder(ReadOnlyMemory<byte> head)
        {
            var bytes = head.Span;
            var zlib = bytes.Length == HeadLength && (bytes[0] & 0x0F) == 8 && ((bytes[0] << 8) | bytes[1]) % 31 == 0;
            var source = new PrefixedStream(head, Inner);
            return zlib ? new ZLibStream(source, CompressionMode.Decompress) : new DeflateStream(source, CompressionMode.Decompress);
        }
    }

    /// <summary>Reads <paramref name="prefix"/> first, then passes through to <paramref name="inner"/>.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : PassThroughStream(inner)
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(Span<byte> buffer) => _prefix.IsEmpty ? base.Read(buffer) : TakePrefix(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _prefix.IsEmpty ? base.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(TakePrefix(buffer.Span));

        private int TakePrefix(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
    }
}
