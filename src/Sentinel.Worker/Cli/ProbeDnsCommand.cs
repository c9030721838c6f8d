using System.CommandLine;
using System.Text.Json.Nodes;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel probe dns NAME</c>: one query, printed much as dig prints it (header, flags, sections with TTLs,
/// the server and the time), with the verdicts. An IP address is looked up in reverse, as with dig -x.
/// </summary>
internal static class ProbeDnsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var name = new Argument<string>("name") { Description = "The name to query, or an IP address for a reverse (PTR) lookup." };
        var type = new Option<string>("--type", "-t") { Description = "Record type: A (default), AAAA, CAA, CNAME, MX, NS, PTR, SOA, SRV, TXT.", HelpName = "TYPE" };
        var server = new Option<string[]>("--server", "-s") { Description = "DNS server to ask, HOST[:port] (a name is resolved with the system resolver); repeat to ask several at once (default: the nameservers of /etc/resolv.conf, in turn with failover).", HelpName = "SERVER", AllowMultipleArgumentsPerToken = false };
        var tcp = new Option<bool>("--tcp") { Description = "Ask over TCP only (dig +tcp)." };
        var noTcp = new Option<bool>("--no-tcp-fallback") { Description = "Do not ask again over TCP when the UDP answer is truncated (dig +ignore)." };
        var noRecurse = new Option<bool>("--no-recursion") { Description = "Clear the RD flag (dig +norecurse)." };
        var bufsize = new Option<int?>("--bufsize") { Description = "EDNS0 UDP buffer size to offer, 512-4096 (default 1232, as dig; 512 sends no OPT record).", HelpName = "BYTES" };
        var options = new AdHocProbeOptions();
        var command = new Command("dns", "Query DNS servers for a name and print the answer as dig does, with its verdicts.")
        {
            name, type, server, tcp, noTcp, noRecurse, bufsize, options.Timeout, options.Json,
        };

        command.SetAction((parse, cancellationToken) =>
        {
            var dns = new JsonObject();
            var flags = new Dictionary<string, string>(options.Flags, StringComparer.Ordinal)
            {
                ["target"] = "name",
                ["dns.recordType"] = "--type",
                ["dns.servers"] = "--server",
                ["dns.transport"] = "--tcp",
                ["dns.tcpFallback"] = "--no-tcp-fallback",
                ["dns.ednsBufferSize"] = "--bufsize",
            };
            if (parse.GetValue(type) is { } recordType)
            {
                // dig takes types in any case; the check format spells them in upper case.
                dns["recordType"] = recordType.ToUpperInvariant();
            }

            if (parse.GetValue(server) is { Length: > 0 } servers)
            {
                dns["servers"] = new JsonArray(servers.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
                for (var i = 0; i < servers.Length; i++)
                {
                    flags[$"dns.servers[{i}]"] = $"--server {servers[i]}";
                }
            }

            if (parse.GetValue(tcp))
            {
                dns["transport"] = "tcp";
            }

            if (parse.GetValue(noTcp))
            {
                dns["tcpFallback"] = false;
            }

            if (parse.GetValue(noRecurse))
            {
                dns["recursion"] = false;
            }

            if (parse.GetValue(bufsize) is { } size)
            {
                dns["ednsBufferSize"] = size;
            }

            var definition = options.Build(parse, "dns", parse.GetValue(name)!);
            definition["dns"] = dns;
            return ProbeCommand.RunAdHocAsync(definition, flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken);
        });
        return command;
    }
}
