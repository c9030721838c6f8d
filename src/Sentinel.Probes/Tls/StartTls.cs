using System.Net;
using System.Net.Sockets;
using System.Text;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Tls;

/// <summary>The plain-text protocols whose connections a <c>tls</c> check can upgrade before the handshake.</summary>
internal enum StartTlsProtocol
{
    /// <summary>SMTP STARTTLS (RFC 3207).</summary>
    Smtp,

    /// <summary>IMAP STARTTLS (RFC 2595, RFC 9051 6.2.1).</summary>
    Imap,

    /// <summary>POP3 STLS (RFC 2595, 4).</summary>
    Pop3,

    /// <summary>PostgreSQL SSLRequest (protocol documentation, "SSL Session Encryption").</summary>
    Postgres,
}

/// <summary>
/// The plain-text exchange that upgrades a connection to TLS. Replies are read in bounded lines (at most
/// <see cref="MaxLineLength"/> bytes, <see cref="MaxReplyLines"/> lines) within the check's deadline. A server that
/// sends anything between its "go ahead" and the handshake is refused: such bytes would be read as if they had
/// come over TLS (the STARTTLS command injection flaw, CVE-2011-0411).
/// </summary>
internal static class StartTls
{
    /// <summary>The longest reply line read (RFC 5321 allows 512 octets; servers exceed it in greetings).</summary>
    public const int MaxLineLength = 4096;

    /// <summary>The most lines of one multi-line reply.</summary>
    public const int MaxReplyLines = 256;

    /// <summary>The names check files use.</summary>
    public static readonly IReadOnlyDictionary<string, StartTlsProtocol> Names = new Dictionary<string, StartTlsProtocol>(StringComparer.Ordinal)
    {
        ["smtp"] = StartTlsProtocol.Smtp,
        ["imap"] = StartTlsProtocol.Imap,
        ["pop3"] = StartTlsProtocol.Pop3,
        ["postgres"] = StartTlsProtocol.Postgres,
    };

    /// <summary>The name of a protocol as check files write it.</summary>
    public static string Name(StartTlsProtocol protocol) => Names.First(p => p.Value == protocol).Key;

    /// <summary>
    /// The upgrade a new connection of a hand-written ClientHello needs (<see cref="TlsHelloExchange"/>): the
    /// <paramref name="protocol"/> exchange, or null for none.
    /// </summary>
    public static TlsUpgrade? Upgrade(StartTlsProtocol? protocol, string target) =>
        protocol is { } p ? (stream, local, cancellationToken) => NegotiateAsync(p, stream, target, local, cancellationToken) : null;

    /// <summary>
    /// Upgrades the connection on <paramref name="stream"/>; returns null when the server is ready for the
    /// ClientHello, else the <c>tls_starttls_failed</c> problem. Cancellation (the deadline) propagates.
    /// </summary>
    public static async ValueTask<Problem?> NegotiateAsync(StartTlsProtocol protocol, Stream stream, string target, IPEndPoint? local, CancellationToken cancellationToken)
    {
        var reader = new ReplyReader(stream);
        try
        {
            var failure = protocol switch
            {
                StartTlsProtocol.Smtp => await SmtpAsync(reader, stream, local, cancellationToken).ConfigureAwait(false),
                StartTlsProtocol.Imap => await ImapAsync(reader, stream, cancellationToken).ConfigureAwait(false),
                StartTlsProtocol.Pop3 => await Pop3Async(reader, stream, cancellationToken).ConfigureAwait(false),
                _ => await PostgresAsync(stream, cancellationToken).ConfigureAwait(false),
            };
            if (failure is null && reader.Buffered > 0)
            {
                failure = $"the server sent {reader.Buffered} more bytes after agreeing to start TLS, before the handshake (a STARTTLS injection risk, CVE-2011-0411)";
            }

            return failure is null ? null : Failed(protocol, target, failure);
        }
        catch (IOException ex)
        {
            return Failed(protocol, target, $"the connection failed during the {Name(protocol)} exchange: {ex.Message}");
        }
        catch (SocketException ex)
        {
            return Failed(protocol, target, $"the connection failed during the {Name(protocol)} exchange: {ex.Message}");
        }
        catch (ReplyException ex)
        {
            return Failed(protocol, target, ex.Message);
        }
    }

    private static async ValueTask<string?> SmtpAsync(ReplyReader reader, Stream stream, IPEndPoint? local, CancellationToken cancellationToken)
    {
        var greeting = await reader.SmtpReplyAsync(cancellationToken).ConfigureAwait(false);
        if (greeting.Code != 220)
        {
            return $"the SMTP server did not greet with 220: \"{greeting.Text}\"";
        }

        // RFC 5321, 4.1.4: the client identifies itself; an address literal when it has no name of its own.
        var self = local?.Address is { } a ? (a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{a}]" : $"[{a}]") : "[127.0.0.1]";
        await WriteAsync(stream, $"EHLO {self}\r\n", cancellationToken).ConfigureAwait(false);
        var ehlo = await reader.SmtpReplyAsync(cancellationToken).ConfigureAwait(false);
        if (ehlo.Code != 250)
        {
            return $"the SMTP server refused EHLO: \"{ehlo.Text}\"";
        }

        var keywords = ehlo.Lines.Skip(1).Select(l => l.Split(' ', 2)[0].ToUpperInvariant()).ToList();
        if (!keywords.Contains("STARTTLS"))
        {
            return $"the SMTP server does not offer STARTTLS (its EHLO reply lists: {(keywords.Count == 0 ? "nothing" : string.Join(", ", keywords.Take(20)))})";
        }

        await WriteAsync(stream, "STARTTLS\r\n", cancellationToken).ConfigureAwait(false);
        var ready = await reader.SmtpReplyAsync(cancellationToken).ConfigureAwait(false);
        return ready.Code == 220 ? null : $"the SMTP server refused STARTTLS: \"{ready.Text}\"";
    }

    private static async ValueTask<string?> ImapAsync(ReplyReader reader, Stream stream, CancellationToken cancellationToken)
    {
        var greeting = await reader.LineAsync(cancellationToken).ConfigureAwait(false);
        if (!greeting.StartsWith("* OK", StringComparison.OrdinalIgnoreCase))
        {
            return $"the IMAP server did not greet with \"* OK\": \"{greeting}\"";
        }

        await WriteAsync(stream, "s1 STARTTLS\r\n", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < MaxReplyLines; i++)
        {
            var line = await reader.LineAsync(cancellationToken).ConfigureAwait(false);
            if (line.StartsWith("s1 ", StringComparison.Ordinal))
            {
                return line.StartsWith("s1 OK", StringComparison.OrdinalIgnoreCase) ? null : $"the IMAP server refused STARTTLS: \"{line}\"";
            }
        }

        return $"the IMAP server sent more than {MaxReplyLines} lines without answering STARTTLS";
    }

    private static async ValueTask<string?> Pop3Async(ReplyReader reader, Stream stream, CancellationToken cancellationToken)
    {
        var greeting = await reader.LineAsync(cancellationToken).ConfigureAwait(false);
        if (!greeting.StartsWith("+OK", StringComparison.Ordinal))
        {
            return $"the POP3 server did not greet with \"+OK\": \"{greeting}\"";
        }

        await WriteAsync(stream, "STLS\r\n", cancellationToken).ConfigureAwait(false);
        var answer = await reader.LineAsync(cancellationToken).ConfigureAwait(false);
        return answer.StartsWith("+OK", StringComparison.Ordinal) ? null : $"the POP3 server refused STLS: \"{answer}\"";
    }

    private static async ValueTask<string?> PostgresAsync(Stream stream, CancellationToken cancellationToken)
    {
        // SSLRequest: length 8, then the code 80877103 (1234 << 16 | 5679); the server answers one byte.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F }, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        if (await stream.ReadAsync(answer, cancellationToken).ConfigureAwait(false) == 0)
        {
            return "the server closed the connection on the SSLRequest: is it PostgreSQL?";
        }

        return answer[0] switch
        {
            (byte)'S' => null,
            (byte)'N' => "the PostgreSQL server does not accept TLS (it answered N to the SSLRequest: ssl = off)",
            _ => $"the server answered the SSLRequest with 0x{answer[0]:X2}, not S or N: is it PostgreSQL?",
        };
    }

    private static Problem Failed(StartTlsProtocol protocol, string target, string reason) =>
        new(Layers.Tls, FailureCategories.TlsStartTlsFailed, $"{target} did not upgrade to TLS with {Name(protocol)} STARTTLS: {reason}",
            protocol switch
            {
                StartTlsProtocol.Smtp => "check that this port offers STARTTLS (submission 587 and relay 25 usually do; 465 speaks TLS at once: leave starttls out)",
                StartTlsProtocol.Imap => "check that this port offers STARTTLS (143; 993 speaks TLS at once: leave starttls out)",
                StartTlsProtocol.Pop3 => "check that this port offers STLS (110; 995 speaks TLS at once: leave starttls out)",
                _ => "enable ssl in postgresql.conf and check that this port is PostgreSQL",
            });

    private static ValueTask WriteAsync(Stream stream, string text, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

    private sealed class ReplyException(string message) : Exception(message);

    /// <summary>Reads CRLF lines from the server in chunks, remembering what it read past the last line.</summary>
    private sealed class ReplyReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[MaxLineLength];
        private int _start;
        private int _end;

        /// <summary>Bytes read but not consumed by a line.</summary>
        public int Buffered => _end - _start;

        public async ValueTask<string> LineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    var line = Encoding.Latin1.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                    _start = newline + 1;
                    return CertificateFacts.Printable(line);
                }

                if (_start > 0)
                {
                    Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }

                if (_end == _buffer.Length)
                {
                    throw new ReplyException($"the server sent a line longer than {MaxLineLength} bytes");
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new ReplyException(_end == 0 ? "the server closed the connection" : "the server closed the connection in the middle of a line");
                }

                _end += read;
            }
        }

        /// <summary>An SMTP reply: lines "250-…" continue it, "250 …" ends it (RFC 5321, 4.2.1).</summary>
        public async ValueTask<(int Code, string Text, IReadOnlyList<string> Lines)> SmtpReplyAsync(CancellationToken cancellationToken)
        {
            var lines = new List<string>();
            for (var i = 0; i < MaxReplyLines; i++)
            {
                var line = await LineAsync(cancellationToken).ConfigureAwait(false);
                if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
                {
                    throw new ReplyException($"the server's reply is not SMTP: \"{Shorten(line)}\"");
                }

                lines.Add(line.Length > 4 ? line[4..] : "");
                if (line.Length == 3 || line[3] != '-')
                {
                    return (code, Shorten(line), lines);
                }
            }

            throw new ReplyException($"the server's reply has more than {MaxReplyLines} lines");
        }

        private static string Shorten(string line) => line.Length > 120 ? line[..117] + "..." : line;
    }
}
