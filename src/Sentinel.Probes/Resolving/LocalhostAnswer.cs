using System.Net;
using System.Net.Sockets;

namespace Sentinel.Probes.Resolving;

/// <summary>
/// Whether this node's system resolver answers <c>localhost</c> with an IPv4 address from /etc/hosts, without asking
/// any other source: warm-ups may look that name up only then, since nothing they do may leave the machine. It reads
/// the files as glibc does. getaddrinfo asks the sources of the last <c>hosts</c> line of /etc/nsswitch.conf in
/// order (without one, glibc's default, <c>dns [!UNAVAIL=return] files</c>, asks a DNS server first); <c>files</c>
/// answers from /etc/hosts and, unless the line says otherwise (<c>[SUCCESS=continue]</c>), ends the lookup there.
/// <c>myhostname</c>, <c>resolve</c> and <c>mymachines</c> send no query for localhost (the first two synthesise
/// 127.0.0.1 and ::1, RFC 6761 §6.3), but may be absent or their daemon stopped, and glibc then goes on to the next
/// source: they decide nothing. Any other source reached first, <c>dns</c> above all, could send a query. Whatever the
/// files hold that glibc would not read as this decision assumes is a reason to say no.
/// </summary>
internal static class LocalhostAnswer
{
    public const string Name = "localhost";

    /// <summary>C's <c>isspace</c>, which glibc splits both files with.</summary>
    private static readonly char[] Blanks = [' ', '\t', '\n', '\v', '\f', '\r'];

    /// <summary>Reads the two files; false when a source that might ask the network comes first, or a file cannot be read.</summary>
    public static bool IsLocal(string nsswitch = "/etc/nsswitch.conf", string hosts = "/etc/hosts")
    {
        try
        {
            // A missing nsswitch.conf is glibc's default line, dns first; a missing hosts file lists nothing.
            return File.Exists(nsswitch) && IsLocal(File.ReadLines(nsswitch), () => File.Exists(hosts) ? File.ReadLines(hosts) : []);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The decision on the files' lines.</summary>
    internal static bool IsLocal(IEnumerable<string> nsswitch, Func<IEnumerable<string>> hosts)
    {
        if (nsswitch.Select(HostsSources).LastOrDefault(s => s is not null) is not { } line || Sources(line) is not { } sources)
        {
            return false;
        }

        foreach (var (source, successReturns) in sources)
        {
            switch (source)
            {
                case "files" when successReturns && hosts().Any(ListsWithIpv4):
                    return true;
                case "files" or "myhostname" or "resolve" or "mymachines":
                    continue;
                default:
                    return false;
            }
        }

        // The sources ran out: the lookup fails, and no query was sent; but the warm-up would find no address either.
        return false;
    }

    /// <summary>
    /// The sources of a <c>hosts</c> line (what follows <c>hosts</c>, blanks and colons), or null for another line. As
    /// glibc reads it: leading blanks skipped, the database name case-sensitive and ended by a blank or a colon, and no
    /// comments (a line starting with <c>#</c> names no database).
    /// </summary>
    private static string? HostsSources(string line)
    {
        var rest = line.TrimStart(Blanks);
        var end = rest.IndexOfAny([.. Blanks, ':']);
        return end > 0 && rest[..end] == "hosts" ? rest[end..].TrimStart([.. Blanks, ':']) : null;
    }

    /// <summary>
    /// The sources of a service line, each with whether a success ends the lookup; null when glibc would reject the
    /// line (an unknown status or action, a criterion not closed). The grammar is
    /// <c>( source ( "[" ( "!"? status "=" action )+ "]" )? )*</c>, statuses and actions in any case.
    /// </summary>
    private static List<(string Source, bool SuccessReturns)>? Sources(string line)
    {
        var sources = new List<(string, bool)>();
        var at = 0;
        while (true)
        {
            at = Skip(line, at);
            var name = Word(line, ref at, '[');
            if (name.Length == 0)
            {
                // The end, or a criterion with no source before it, where glibc stops reading the line.
                return sources;
            }

            var successReturns = true;
            at = Skip(line, at);
            if (at < line.Length && line[at] == '[')
            {
                at = Skip(line, at + 1);
                do
                {
                    var negated = at < line.Length && line[at] == '!';
                    at += negated ? 1 : 0;
                    var status = Word(line, ref at, '=', ']').ToUpperInvariant();
                    if (status is not ("SUCCESS" or "NOTFOUND" or "UNAVAIL" or "TRYAGAIN"))
                    {
                        return null;
                    }

                    at = Skip(line, at);
                    if (at >= line.Length || line[at] != '=')
                    {
                        return null;
                    }

                    at = Skip(line, at + 1);
                    var action = Word(line, ref at, '=', ']').ToUpperInvariant();
                    if (action is not ("RETURN" or "CONTINUE" or "MERGE"))
                    {
                        return null;
                    }

                    // "!STATUS=action" sets every other status, SUCCESS among them unless it is the one named.
                    if ((status == "SUCCESS") != negated)
                    {
                        successReturns = action == "RETURN";
                    }

                    at = Skip(line, at);
                }
                while (at < line.Length && line[at] != ']');

                if (at >= line.Length)
                {
                    return null;
                }

                at++;
            }

            sources.Add((name, successReturns));
        }
    }

    private static int Skip(string line, int at)
    {
        while (at < line.Length && Blanks.Contains(line[at]))
        {
            at++;
        }

        return at;
    }

    private static string Word(string line, ref int at, params char[] stops)
    {
        var start = at;
        while (at < line.Length && !Blanks.Contains(line[at]) && !stops.Contains(line[at]))
        {
            at++;
        }

        return line[start..at];
    }

    /// <summary>
    /// Whether a line of /etc/hosts (address, then names; <c>#</c> starts a comment) gives localhost an IPv4 address.
    /// The address must be what inet_pton reads, a dotted quad without leading zeros: .NET's parser also takes
    /// <c>127.1</c>, which glibc skips. Names compare in any case, as glibc's do.
    /// </summary>
    private static bool ListsWithIpv4(string line)
    {
        var hash = line.IndexOf('#', StringComparison.Ordinal);
        var fields = (hash >= 0 ? line[..hash] : line).Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1
            && IPAddress.TryParse(fields[0], out var address) && address.AddressFamily == AddressFamily.InterNetwork
            && address.ToString() == fields[0]
            && fields.Skip(1).Contains(Name, StringComparer.OrdinalIgnoreCase);
    }
}
