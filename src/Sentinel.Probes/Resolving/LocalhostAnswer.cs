using System.Net;
using System.Net.Sockets;

namespace Sentinel.Probes.Resolving;

/// <summary>
/// Whether this node's system resolver answers <c>localhost</c> with an IPv4 address from its own configuration,
/// without asking a DNS server: warm-ups may look that name up only then, since nothing they do may leave the
/// machine. getaddrinfo asks the sources of the <c>hosts:</c> line of /etc/nsswitch.conf in order; <c>localhost</c>
/// is answered by <c>files</c> when /etc/hosts lists it (with an IPv4 address, so that IPv4 lookups are answered
/// too), and by <c>myhostname</c> and <c>resolve</c> (systemd-resolved), which synthesise 127.0.0.1 and ::1 for it
/// (RFC 6761 §6.3). Any other source reached first, <c>dns</c> above all, could send a query; so could glibc's
/// default without the file (<c>dns [!UNAVAIL=return] files</c>).
/// </summary>
internal static class LocalhostAnswer
{
    public const string Name = "localhost";

    private static readonly char[] Blanks = [' ', '\t'];

    /// <summary>Reads the two files; false when a source that might ask the network comes first, or the files cannot be read.</summary>
    public static bool IsLocal(string nsswitch = "/etc/nsswitch.conf", string hosts = "/etc/hosts")
    {
        try
        {
            return File.Exists(nsswitch) && IsLocal(File.ReadAllLines(nsswitch), () => File.Exists(hosts) ? File.ReadAllLines(hosts) : []);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The decision on the files' lines.</summary>
    internal static bool IsLocal(IEnumerable<string> nsswitch, Func<IEnumerable<string>> hosts)
    {
        var line = nsswitch.Select(Uncommented).FirstOrDefault(l => l.StartsWith("hosts:", StringComparison.Ordinal));
        foreach (var source in line?["hosts:".Length..].Split(Blanks, StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            switch (source)
            {
                case "files" when hosts().Select(Uncommented).Any(ListsWithIpv4):
                case "myhostname" or "resolve":
                    return true;

                // Actions ([NOTFOUND=return]) and sources that never answer localhost and ask no server: on to the next.
                case "files" or "mymachines":
                case var action when action.StartsWith('['):
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>Whether a line of /etc/hosts (address, then names) gives localhost an IPv4 address.</summary>
    private static bool ListsWithIpv4(string line)
    {
        var fields = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1
            && IPAddress.TryParse(fields[0], out var address) && address.AddressFamily == AddressFamily.InterNetwork
            && fields.Skip(1).Contains(Name, StringComparer.OrdinalIgnoreCase);
    }

    private static string Uncommented(string line) => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).Trim();
}
