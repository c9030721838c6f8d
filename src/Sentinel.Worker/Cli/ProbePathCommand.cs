using System.CommandLine;
using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Icmp;
using Sentinel.Probes.Paths;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel probe path HOST</c>: an <c>mtr --report</c>-style table of the hops to a host, with the
/// interpretation (real loss, rate-limited hops, where the path stops, latency jumps) below it.
/// </summary>
internal static class ProbePathCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("target") { Description = "A host name or IP address." };
        var cycles = new Option<int?>("--cycles", "-c") { Description = $"Probes per hop (default {PathSection.DefaultCycles}).", HelpName = "N" };
        var interval = new Option<string>("--interval", "-i") { Description = "Time between cycles (default 500ms).", HelpName = "DURATION" };
        var maxHops = new Option<int?>("--max-hops", "-m") { Description = $"Deepest TTL probed (default {PathSection.DefaultMaxHops}).", HelpName = "N" };
        var size = new Option<int?>("--size", "-s") { Description = "IP packet size in bytes, header included (default 64).", HelpName = "BYTES" };
        var maxLoss = new Option<double?>("--max-loss") { Description = "Destination loss ratio (0-1) above which the path fails (default 0).", HelpName = "RATIO" };
        var udp = new Option<bool>("--udp", "-u") { Description = $"Probe with UDP datagrams to --port (default {PathSection.DefaultUdpPort}) instead of ICMP echo, as mtr -u." };
        var tcp = new Option<bool>("--tcp", "-T") { Description = $"Probe with TCP SYNs to --port (default {PathSection.DefaultTcpPort}) instead of ICMP echo, as mtr -T." };
        var port = new Option<int?>("--port", "-P") { Description = "Destination port of --udp and --tcp probes.", HelpName = "PORT" };
        var options = new AdHocProbeOptions();
        var command = new Command("path", "Trace the hops to a host as mtr --report does, and tell real loss from ICMP rate limiting.")
        {
            target, cycles, interval, maxHops, size, maxLoss, udp, tcp, port,
        };
        options.AddTo(command);
        options.Flags["path.cycles"] = "--cycles";
        options.Flags["path.interval"] = "--interval";
        options.Flags["path.maxHops"] = "--max-hops";
        options.Flags["path.size"] = "--size";
        options.Flags["path.maxLoss"] = "--max-loss";
        options.Flags["path.port"] = "--port";
        command.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(udp) && parse.GetValue(tcp))
            {
                stderr.WriteLine("sentinel: --udp and --tcp exclude each other");
                return Task.FromResult(ExitCodes.Usage);
            }

            var definition = options.Build(parse, "path", parse.GetValue(target)!);
            var section = new JsonObject();
            ProbeIcmpCommand.AddIfSet(section, "protocol", parse.GetValue(udp) ? "udp" : parse.GetValue(tcp) ? "tcp" : null);
            ProbeIcmpCommand.AddIfSet(section, "port", parse.GetValue(port));
            ProbeIcmpCommand.AddIfSet(section, "cycles", parse.GetValue(cycles));
            ProbeIcmpCommand.AddIfSet(section, "interval", parse.GetValue(interval));
            ProbeIcmpCommand.AddIfSet(section, "maxHops", parse.GetValue(maxHops));
            ProbeIcmpCommand.AddIfSet(section, "size", parse.GetValue(size));
            if (parse.GetValue(maxLoss) is { } loss)
            {
                section["maxLoss"] = loss;
            }

            definition["path"] = section;
            var run = new PathSection
            {
                Cycles = Math.Clamp(parse.GetValue(cycles) ?? PathSection.DefaultCycles, 1, 1000),
                Interval = ProbeIcmpCommand.Spacing(parse.GetValue(interval)),
                MaxHops = Math.Clamp(parse.GetValue(maxHops) ?? PathSection.DefaultMaxHops, 1, PathSection.MaxHopsLimit),
            };
            ProbeIcmpCommand.DefaultTimeout(definition, run.LastSend);
            return ProbeCommand.RunAdHocAsync(definition, options.Flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken);
        });
        return command;
    }
}
