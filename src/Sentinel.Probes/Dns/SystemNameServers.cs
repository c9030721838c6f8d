using System.Net;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// The system's resolvers: the <c>nameserver</c> lines of /etc/resolv.conf (resolv.conf(5)), in order, on port
/// 53, as dig uses them; <see cref="DnsFailover"/> asks them in turn. Read at each run, so that a changed file
/// takes effect without a restart.
/// </summary>
internal static class SystemNameServers
{
    public const string DefaultPath = "/etc/resolv.conf";

    /// <summary>resolv.conf(5) uses at most three; more are ignored there, and here.</summary>
    private const int MaxServers = 3;

    /// <summary>The servers listed in <paramref name="path"/>; empty when there are none or the file cannot be read.</summary>
    public static IReadOnlyList<DnsServer> Read(string path = DefaultPath)
    {
        string[] lines;
        try
        {
            // A resolv.conf is a few hundred bytes; a larger file is not one, and is not read whole.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 64 * 1024)
            {
                return [];
            }

            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var servers = new List<DnsServer>();
        foreach (var line in lines)
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1], out var address) && servers.Count < MaxServers)
            {
                servers.Add(DnsServer.At(new IPEndPoint(address, 53)));
            }
        }

        return servers;
    }
}
