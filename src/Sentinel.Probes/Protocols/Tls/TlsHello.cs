using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>What a server answered to a lone ClientHello.</summary>
/// <param name="Version">The version the server selected (wire value), when it sent a ServerHello.</param>
/// <param name="CipherSuite">The cipher suite it selected.</param>
/// <param name="Certificates">Its Certificate message (readable up to TLS 1.2 only: TLS 1.3 encrypts it).</param>
/// <param name="Alert">The alert description it sent instead (RFC 8446, 6.2), e.g. 70 protocol_version.</param>
/// <param name="Error">Why the answer could not be read (closed, not TLS, too large), or null.</param>
internal sealed record HelloAnswer(ushort? Version, ushort? CipherSuite, IReadOnlyList<X509Certificate2> Certificates, byte? Alert, string? Error)
{
    /// <summary>The alert's name as RFC 8446 spells it, for messages.</summary>
    public string? AlertName => Alert switch
    {
        null => null,
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        var other => $"alert {other}",
    };
}

/// <summary>
/// A ClientHello written by hand and the start of the server's answer read by hand, for two things SslStream
/// cannot do: offer exactly one TLS version, including TLS 1.0 and 1.1 that the local OpenSSL refuses to speak
/// (the <c>tlsVersions</c> audit, as testssl.sh and sslscan probe), and read the Certificate message of a server
/// whose handshake the local library refused before it showed a certificate (up to TLS 1.2 the Certificate
/// message travels in clear text). No keys are agreed and nothing is sent after the ClientHello. Everything
/// read is bounded: record sizes, the total, the number and size of certificates.
/// </summary>
internal static class TlsHello
{
    /// <summary>The most bytes read from the server: 256 KiB.</summary>
    public const int MaxAnswerBytes = 256 * 1024;

    private const int MaxRecordLength = (1 << 14) + 2048; // RFC 5246, 6.2.3: TLSCiphertext length.

    // The special ServerHello.random of a HelloRetryRequest (RFC 8446, 4.1.3): still a TLS 1.3 answer.
    private static readonly byte[] HelloRetryRandom = Convert.FromHexString("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");

    // TLS 1.2 and older: a broad list, old suites included, so that any server that speaks the version can pick one.
    private static readonly ushort[] LegacySuites =
    [
        0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC023, 0xC027, 0xC024, 0xC028, 0xC009, 0xC013, 0xC00A, 0xC014,
        0x009C, 0x009D, 0x003C, 0x003D, 0x002F, 0x0035, 0x009E, 0x009F, 0x0067, 0x006B, 0x0033, 0x0039, 0xC012, 0x000A,
        0x0016, 0x0005, 0x0004,
        0x00FF, // TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746, 3.3) instead of the extension
    ];

    private static readonly ushort[] Tls13Suites = [0x1301, 0x1302, 0x1303];

    /// <summary>A ClientHello that offers only <paramref name="version"/> (0x0301 to 0x0304), with SNI when a name is given.</summary>
    public static byte[] ClientHello(ushort version, string? serverName)
    {
        var tls13 = version >= 0x0304;
        var body = new List<byte>();
        Add16(body, tls13 ? (ushort)0x0303 : version); // legacy_version; TLS 1.3 is offered in supported_versions
        body.AddRange(RandomNumberGenerator.GetBytes(32));
        if (tls13)
        {
            body.Add(32); // a legacy session id, as TLS 1.3 clients send for middlebox compatibility (D.4)
            body.AddRange(RandomNumberGenerator.GetBytes(32));
        }
        else
        {
            body.Add(0);
        }

        var suites = tls13 ? Tls13Suites : LegacySuites;
        Add16(body, (ushort)(suites.Length * 2));
        foreach (var suite in suites)
        {
            Add16(body, suite);
        }

        body.Add(1);
        body.Add(0); // compression: null only

        var extensions = new List<byte>();
        if (serverName is not null)
        {
            var name = System.Text.Encoding.ASCII.GetBytes(serverName);
            Extension(extensions, 0x0000, e =>
            {
                Add16(e, (ushort)(name.Length + 3));
                e.Add(0); // host_name
                Add16(e, (ushort)name.Length);
                e.AddRange(name);
            });
        }

        Extension(extensions, 0x000A, e => AddList16(e, [0x001D, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101])); // supported_groups
        Extension(extensions, 0x000B, e => e.AddRange([1, 0])); // ec_point_formats: uncompressed
        Extension(extensions, 0x000D, e => AddList16(e, [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0203])); // signature_algorithms
        Extension(extensions, 0x0017, _ => { }); // extended_master_secret
        if (tls13)
        {
            Extension(extensions, 0x002B, e => e.AddRange([2, 0x03, 0x04])); // supported_versions: TLS 1.3 only
            Extension(extensions, 0x0033, e =>
            {
                // key_share: one X25519 share; any 32 bytes are a valid X25519 public key (RFC 7748, 5).
                Add16(e, 36);
                Add16(e, 0x001D);
                Add16(e, 32);
                e.AddRange(RandomNumberGenerator.GetBytes(32));
            });
        }

        Add16(body, (ushort)extensions.Count);
        body.AddRange(extensions);

        var message = new List<byte>(body.Count + 9) { 0x16, 0x03, 0x01 }; // handshake record; 0x0301 for the first ClientHello (RFC 8446, 5.1)
        Add16(message, (ushort)(body.Count + 4));
        message.Add(1); // client_hello
        message.Add((byte)(body.Count >> 16));
        message.Add((byte)(body.Count >> 8));
        message.Add((byte)body.Count);
        message.AddRange(body);
        return [.. message];
    }

    /// <summary>
    /// Reads the server's answer up to what a lone ClientHello can get: ServerHelloDone (TLS 1.2 and older), the
    /// ServerHello (TLS 1.3; the rest is encrypted), an alert, or the end of the connection.
    /// </summary>
    public static async ValueTask<HelloAnswer> ReadAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        var handshake = new List<byte>();
        var certificates = new List<X509Certificate2>();
        ushort? version = null;
        ushort? suite = null;
        var total = 0;
        var header = new byte[5];
        while (true)
        {
            if (!await ReadExactlyAsync(stream, header, cancellationToken).ConfigureAwait(false))
            {
                return new HelloAnswer(version, suite, certificates, null, total == 0 ? "the server closed the connection without answering" : "the server closed the connection in the middle of its answer");
            }

            var type = header[0];
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3));
            if (type is < 20 or > 23 || header[1] != 3)
            {
                return new HelloAnswer(version, suite, certificates, null, "the server's answer is not TLS");
            }

            total += 5 + length;
            if (length > MaxRecordLength || total > MaxAnswerBytes)
            {
                return new HelloAnswer(version, suite, certificates, null, $"the server's answer exceeds {MaxAnswerBytes / 1024} KiB");
            }

            var fragment = new byte[length];
            if (!await ReadExactlyAsync(stream, fragment, cancellationToken).ConfigureAwait(false))
            {
                return new HelloAnswer(version, suite, certificates, null, "the server closed the connection in the middle of a record");
            }

            switch (type)
            {
                case 21 when fragment.Length >= 2:
                    return new HelloAnswer(version, suite, certificates, fragment[1], null);
                case 22:
                    handshake.AddRange(fragment);
                    break;
                default:
                    // ChangeCipherSpec or encrypted records: nothing more is readable.
                    return new HelloAnswer(version, suite, certificates, null, version is null ? "the server sent no ServerHello" : null);
            }

            // Consume every complete handshake message buffered so far.
            while (handshake.Count >= 4)
            {
                var messageLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
                if (messageLength > MaxAnswerBytes)
                {
                    return new HelloAnswer(version, suite, certificates, null, "the server sent a handshake message larger than this probe reads");
                }

                if (handshake.Count < 4 + messageLength)
                {
                    break;
                }

                var messageType = handshake[0];
                var body = handshake.GetRange(4, messageLength).ToArray();
                handshake.RemoveRange(0, 4 + messageLength);
                switch (messageType)
                {
                    case 2:
                        if (!TryParseServerHello(body, out var selected, out var selectedSuite))
                        {
                            return new HelloAnswer(null, null, certificates, null, "the server's ServerHello is malformed");
                        }

                        (version, suite) = (selected, selectedSuite);
                        if (selected >= 0x0304)
                        {
                            return new HelloAnswer(version, suite, certificates, null, null);
                        }

                        break;
                    case 11:
                        ParseCertificates(body, certificates);
                        break;
                    case 14:
                        return new HelloAnswer(version, suite, certificates, null, null); // ServerHelloDone
                }
            }
        }
    }

    private static bool TryParseServerHello(byte[] body, out ushort version, out ushort suite)
    {
        version = 0;
        suite = 0;
        if (body.Length < 38)
        {
            return false;
        }

        version = BinaryPrimitives.ReadUInt16BigEndian(body);
        var helloRetry = body.AsSpan(2, 32).SequenceEqual(HelloRetryRandom);
        var at = 34;
        var sessionLength = body[at];
        at += 1 + sessionLength;
        if (at + 3 > body.Length)
        {
            return false;
        }

        suite = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at));
        at += 3; // cipher suite, compression method
        if (at + 2 <= body.Length)
        {
            var end = Math.Min(body.Length, at + 2 + BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at)));
            at += 2;
            while (at + 4 <= end)
            {
                var extension = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at));
                var length = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at + 2));
                if (extension == 0x002B && length == 2 && at + 6 <= end)
                {
                    version = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at + 4)); // supported_versions: the real one
                }

                at += 4 + length;
            }
        }

        return !helloRetry || version >= 0x0304;
    }

    private static void ParseCertificates(byte[] body, List<X509Certificate2> certificates)
    {
        if (body.Length < 3)
        {
            return;
        }

        var end = Math.Min(body.Length, 3 + ((body[0] << 16) | (body[1] << 8) | body[2]));
        var at = 3;
        while (at + 3 <= end && certificates.Count < TlsCapture.MaxCertificates)
        {
            var length = (body[at] << 16) | (body[at + 1] << 8) | body[at + 2];
            at += 3;
            if (at + length > end)
            {
                return;
            }

            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(body.AsSpan(at, length)));
            }
            catch (CryptographicException)
            {
                // Not a certificate; the rest of the list may still be.
            }

            at += length;
        }
    }

    private static async ValueTask<bool> ReadExactlyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private static void Extension(List<byte> extensions, ushort type, Action<List<byte>> write)
    {
        var data = new List<byte>();
        write(data);
        Add16(extensions, type);
        Add16(extensions, (ushort)data.Count);
        extensions.AddRange(data);
    }

    private static void AddList16(List<byte> target, ushort[] values)
    {
        Add16(target, (ushort)(values.Length * 2));
        foreach (var value in values)
        {
            Add16(target, value);
        }
    }

    private static void Add16(List<byte> target, ushort value)
    {
        target.Add((byte)(value >> 8));
        target.Add((byte)value);
    }
}
