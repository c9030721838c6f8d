using System.Net;
using System.Net.Sockets;
using System.Text;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>
/// Whether this node's system resolver answers a name from /etc/hosts without asking any source that could send a
/// query: the system resolver may then look it up inline (it cannot wait on the network), and warm-ups may look up
/// <c>localhost</c>, since nothing they do may leave the machine. It reads the files as glibc does. getaddrinfo asks
/// the sources of the last <c>hosts</c> line of /etc/nsswitch.conf in order (without one, glibc's default,
/// <c>dns [!UNAVAIL=return] files</c>, asks a DNS server first); <c>files</c> answers from /etc/hosts when it lists
/// the name with an address of the family asked for (any family when any is asked) and, unless the line says
/// otherwise (<c>[SUCCESS=continue]</c>), ends the lookup there. <c>myhostname</c> sends no query for any name;
/// <c>resolve</c> and <c>mymachines</c> send none for localhost (the first synthesises 127.0.0.1 and ::1, RFC 6761
/// §6.3), but may be absent or their daemon stopped, and glibc then goes on to the next source: they decide nothing
/// there, and for another name they could ask the network or wait on a daemon. Any other source reached first,
/// <c>dns</c> above all, could send a query. Whatever the files hold that glibc would not read as this decision
/// assumes is a reason to say no, which only costs the lookup its inline path.
/// </summary>
internal sealed class HostsFileAnswer
{
    public const string Localhost = "localhost";

    /// <summary>C's <c>isspace</c>, which glibc splits both files with.</summary>
    private static readonly char[] Blanks = [' ', '\t', '\n', '\v', '\f', '\r'];

    private readonly string _nsswitch;
    private readonly string _hosts;
    private volatile Snapshot? _snapshot;

    /// <param name="nsswitch">The name service switch file; default /etc/nsswitch.conf.</param>
    /// <param name="hosts">The hosts file; default /etc/hosts.</param>
    public HostsFileAnswer(string nsswitch = "/etc/nsswitch.conf", string hosts = "/etc/hosts")
    {
        _nsswitch = nsswitch;
        _hosts = hosts;
    }

    /// <summary>This node's files, as getaddrinfo reads them.</summary>
    public static HostsFileAnswer System { get; } = new();

    /// <summary>
    /// Whether getaddrinfo answers <paramref name="host"/> (<paramref name="version"/>'s family) from the hosts file
    /// before any source that could send a query. The files are read again whenever either changes (size or time
    /// written), as glibc reads them again; a file that cannot be read answers nothing.
    /// </summary>
    public bool Answers(string host, IpVersion version)
    {
        var nsswitch = Stamp(_nsswitch);
        var hosts = Stamp(_hosts);
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Nsswitch != nsswitch || snapshot.Hosts != hosts)
        {
            _snapshot = snapshot = Read(nsswitch, hosts);
        }

        return snapshot.Sources is { } sources && Decide(sources, host, version, snapshot.Names);
    }

    /// <summary>Whether this node's system resolver answers localhost with an IPv4 address from its files, read now.</summary>
    public static bool IsLocal(string nsswitch = "/etc/nsswitch.conf", string hosts = "/etc/hosts") =>
        new HostsFileAnswer(nsswitch, hosts).Answers(Localhost, IpVersion.V4);

    /// <summary>The decision on the files' lines.</summary>
    internal static bool Answers(IEnumerable<string> nsswitch, Func<IEnumerable<string>> hosts, string host, IpVersion version) =>
        HostsLine(nsswitch) is { } sources && Decide(sources, host, version, Names(hosts()));

    private static bool Decide(List<(string Source, bool SuccessReturns)> sources, string host, IpVersion version, Dictionary<string, Families> names)
    {
        // .NET hands getaddrinfo a name that is not ASCII in its IDNA form, which the file would not list as written.
        if (!Ascii.IsValid(host))
        {
            return false;
        }

        var wanted = version switch { IpVersion.V4 => Families.V4, IpVersion.V6 => Families.V6, _ => Families.V4 | Families.V6 };
        var localhost = string.Equals(host, Localhost, StringComparison.OrdinalIgnoreCase);
        foreach (var (source, successReturns) in sources)
        {
            switch (source)
            {
                case "files" when successReturns && names.TryGetValue(host, out var listed) && (listed & wanted) != 0:
                    return true;
                case "files" or "myhostname":
                    continue;
                case "resolve" or "mymachines" when localhost:
                    continue;
                default:
                    return false;
            }
        }

        // The sources ran out: the lookup fails without a query, but finds no address either.
        return false;
    }

    private static FileStamp Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? new FileStamp(true, file.LastWriteTimeUtc, file.Length) : default;
    }

    private Snapshot Read(FileStamp nsswitch, FileStamp hosts)
    {
        try
        {
            // A missing nsswitch.conf is glibc's default line, dns first; a missing hosts file lists nothing.
            var sources = nsswitch.Exists ? HostsLine(File.ReadLines(_nsswitch)) : null;
            var names = sources is not null && hosts.Exists ? Names(File.ReadLines(_hosts)) : [];
            return new Snapshot(nsswitch, hosts, sources, names);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new Snapshot(nsswitch, hosts, null, []);
        }
    }

    /// <summary>The sources of the last <c>hosts</c> line, or null when there is none or glibc would reject it.</summary>
    private static List<(string Source, bool SuccessReturns)>? HostsLine(IEnumerable<string> nsswitch) =>
        nsswitch.Select(HostsSources).LastOrDefault(s => s is not null) is { } line ? Sources(line) : null;

    /// <summary>Each ASCII name the hosts file lists (in any case, as glibc compares them), with the families of its addresses.</summary>
    private static Dictionary<string, Families> Names(IEnumerable<string> lines)
    {
        var names = new Dictionary<string, Families>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var fields = (hash >= 0 ? line[..hash] : line).Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || AddressFamilyOf(fields[0]) is not { } family)
            {
                continue;
            }

            // Only ASCII names: there, comparing in any case is glibc's strcasecmp; beyond it, .NET would match what
            // glibc does not ("ımap" and "IMAP").
            foreach (var name in fields.AsSpan(1))
            {
                if (Ascii.IsValid(name))
                {
                    names[name] = names.GetValueOrDefault(name) | family;
                }
            }
        }

        return names;
    }

    /// <summary>
    /// The family of a hosts line's address, when it is written as inet_pton reads it and .NET writes it: IPv4 a dotted
    /// quad without leading zeros (.NET's parser also takes <c>127.1</c>, which glibc skips), IPv6 in its canonical
    /// form and without a zone (<c>%eth0</c>, which inet_pton rejects). Another spelling glibc may read is taken as
    /// unread: the lookup then only loses its inline path.
    /// </summary>
    private static Families? AddressFamilyOf(string field) =>
        !field.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(field, out var address) && address.ToString() == field
            ? address.AddressFamily switch { AddressFamily.InterNetwork => Families.V4, AddressFamily.InterNetworkV6 => Families.V6, _ => null }
            : null;

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

    [Flags]
    private enum Families
    {
        V4 = 1,
        V6 = 2,
    }

    private readonly record struct FileStamp(bool Exists, DateTime Written, long Length);

    private sealed record Snapshot(FileStamp Nsswitch, FileStamp Hosts, List<(string Source, bool SuccessReturns)>? Sources, Dictionary<string, Families> Names);
}
