using System.CommandLine;
using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel probe icmp HOST</c>: ping, with the check's counts and round-trip figures.</summary>
internal static class ProbeIcmpCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("target") { Description = "A host name or IP address." };
        var count = new Option<int?>("--count", "-c") { Description = "Echo requests to send (default 5).", HelpName = "N" };
        var interval = new Option<string>("--interval", "-i") { Description = "Time between requests (default 500ms).", HelpName = "DURATION" };
        var size = new Option<int?>("--size", "-s") { Description = "IP packet size in bytes, header included (default 64).", HelpName = "BYTES" };
        var ttl = new Option<int?>("--ttl") { Description = "TTL / hop limit of the requests (default 64).", HelpName = "N" };
        var options = new AdHocProbeOptions();
        var command = new Command("icmp", "Ping a host over a raw ICMP socket: loss and round-trip min/avg/max/stddev.") { target, count, interval, size, ttl };
        options.AddTo(command);
        options.Flags["icmp.count"] = "--count";
        options.Flags["icmp.interval"] = "--interval";
        options.Flags["icmp.size"] = "--size";
        options.Flags["icmp.ttl"] = "--ttl";
        command.SetAction((parse, cancellationToken) =>
        {
            var definition = options.Build(parse, "icmp", parse.GetValue(target)!);
            var section = new JsonObject();
            AddIfSet(section, "count", parse.GetValue(count));
            AddIfSet(section, "interval", parse.GetValue(interval));
            AddIfSet(section, "size", parse.GetValue(size));
            AddIfSet(section, "ttl", parse.GetValue(ttl));
            definition["icmp"] = section;
            DefaultTimeout(definition, EchoSettings.LastSend(Math.Clamp(parse.GetValue(count) ?? 5, 1, 100), Spacing(parse.GetValue(interval))));
            return ProbeCommand.RunAdHocAsync(definition, options.Flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Without --timeout, an ad-hoc run gets what its sends need by the checks' own rule (the last send, the wait
    /// for its answer and <see cref="EchoSettings.Margin"/>) plus 5 s, so that <c>--count 100</c> works without also
    /// having to work out a timeout (a check file states its own).
    /// </summary>
    internal static void DefaultTimeout(JsonObject definition, TimeSpan lastSend)
    {
        if (definition.ContainsKey("timeout"))
        {
            return;
        }

        var needed = EchoSettings.Needed(lastSend, EchoSettings.DefaultReplyTimeout) + TimeSpan.FromSeconds(5);
        definition["timeout"] = Duration.Format(needed < CheckLimits.MaxTimeout ? needed : CheckLimits.MaxTimeout);
    }

    /// <summary>The --interval as given, the default without it, or zero when it does not parse (the parser then names the flag).</summary>
    internal static TimeSpan Spacing(string? interval) =>
        interval is null ? EchoSettings.DefaultInterval : Duration.TryParse(interval, out var parsed) ? parsed : TimeSpan.Zero;

    internal static void AddIfSet(JsonObject section, string name, int? value)
    {
        if (value is { } v)
        {
            section[name] = v;
        }
    }

    internal static void AddIfSet(JsonObject section, string name, string? value)
    {
        if (value is not null)
        {
            section[name] = value;
        }
    }
}
