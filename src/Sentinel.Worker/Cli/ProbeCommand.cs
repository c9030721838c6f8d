using System.CommandLine;
using System.Text.Json.Nodes;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel probe</c>: runs checks once, without a database, and prints a readable report or the result as
/// JSON. Exit 0 when every check passed (up or degraded), 1 when one failed, 2 for a usage or definition error.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "A check file to run (every check in it, or the one named by --check).", Arity = ArgumentArity.ZeroOrOne };
        var checkId = new Option<string>("--check") { Description = "Run only the check with this id from the file.", HelpName = "ID" };
        var json = new Option<bool>("--json") { Description = "Print each result as one line of JSON instead of the readable report." };
        var command = new Command("probe", "Run a check once and print what it saw: 'sentinel probe FILE' or 'sentinel probe TYPE TARGET'.")
        {
            file, checkId, json,
            ProbeTcpCommand.Create(stdout, stderr),
            ProbeHttpCommand.Create(stdout, stderr),
            ProbeHeadersCommand.Create(stdout, stderr),
            ProbeIcmpCommand.Create(stdout, stderr),
            ProbePathCommand.Create(stdout, stderr),
            ProbeDnsCommand.Create(stdout, stderr),
            ProbeTlsCommand.Create(stdout, stderr),
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(file) is not { } path)
            {
                await stderr.WriteLineAsync("sentinel: probe needs a check file or a type and target, e.g. 'sentinel probe tcp 127.0.0.1:5432'").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var document = CheckFiles.LoadFile(path, ProbeCatalog.Default.Checks);
            if (!document.IsValid)
            {
                foreach (var error in document.Errors)
                {
                    await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }

            var checks = document.Checks.Select(c => c.Definition).ToList();
            if (parse.GetValue(checkId) is { } id)
            {
                checks = checks.Where(c => c.Id == id).ToList();
                if (checks.Count == 0)
                {
                    await stderr.WriteLineAsync($"sentinel: {path} has no check with id \"{id}\"").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }

            return await RunAsync(checks, parse.GetValue(json), stdout, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Runs an ad-hoc check built from flags. The definition goes through the same parser as files, so flags
    /// are validated by the same rules; errors name the flag. <paramref name="context"/> is for tests (a default one
    /// otherwise).
    /// </summary>
    internal static async Task<int> RunAdHocAsync(
        JsonObject definition, IReadOnlyDictionary<string, string> flags, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, ProbeContext? context = null)
    {
        var document = CheckParser.Parse(definition.ToJsonString(), "command line", ProbeCatalog.Default.Checks);
        if (!document.IsValid)
        {
            foreach (var error in document.Errors)
            {
                var member = error.Path.StartsWith("$.", StringComparison.Ordinal) ? error.Path[2..] : error.Path;
                var name = FlagFor(member, flags);
                await stderr.WriteLineAsync($"sentinel: {name}: {error.Message}").ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }

        return await RunAsync([document.Checks[0].Definition], json, stdout, cancellationToken, context).ConfigureAwait(false);
    }

    /// <summary>
    /// The flag that set <paramref name="member"/> (a JSON path without its <c>$.</c>), else the path. An error may
    /// name a path below the flag's field: one value of a repeated flag (<c>dns.servers[1]</c>,
    /// <c>http.expectStatus[0]</c>) or one entry of the map several flags fill (<c>http.headers.Host</c> from
    /// <c>-H 'Host: …'</c>); it names the flag all the same, and a map entry by its key too, since the flag alone
    /// would not say which of several <c>-H</c> it was.
    /// </summary>
    internal static string FlagFor(string member, IReadOnlyDictionary<string, string> flags)
    {
        var field = flags.Keys
            .Where(k => member == k || member.StartsWith(k, StringComparison.Ordinal) && member[k.Length] is '.' or '[')
            .MaxBy(k => k.Length);
        if (field is null)
        {
            return member;
        }

        var rest = member[field.Length..];
        return EntryKey(rest) is { } key ? $"{flags[field]} ({key})" : flags[field];
    }

    /// <summary>The map key <paramref name="rest"/> starts with (<c>.Host</c>, <c>['X-A b']</c>), or null for none or an index.</summary>
    private static string? EntryKey(string rest)
    {
        if (rest.StartsWith('.'))
        {
            var end = rest.IndexOfAny(['.', '['], 1);
            return end < 0 ? rest[1..] : rest[1..end];
        }

        if (!rest.StartsWith("['", StringComparison.Ordinal))
        {
            return null;
        }

        // JsonPath.Member quotes a key that is not an identifier, escaping ' and \ with a backslash.
        var key = new System.Text.StringBuilder();
        for (var i = 2; i < rest.Length && rest[i] != '\'';)
        {
            if (rest[i] == '\\' && i + 1 < rest.Length)
            {
                i++;
            }

            key.Append(rest[i++]);
        }

        return key.ToString();
    }

    private static async Task<int> RunAsync(IReadOnlyList<CheckDefinition> checks, bool json, TextWriter stdout, CancellationToken cancellationToken, ProbeContext? context = null)
    {
        var runner = new ProbeRunner(ProbeCatalog.Default, context ?? new ProbeContext());
        foreach (var type in checks.Select(c => c.Type).Distinct())
        {
            // Warm this process's code paths first, so the timings are the target's and not JIT's.
            await runner.WarmUpAsync(type, cancellationToken).ConfigureAwait(false);
        }

        var passed = true;
        foreach (var check in checks)
        {
            // The resolver last and right before the run: the system resolver cools again within a fraction of a second.
            await runner.WarmUpResolutionAsync(check, cancellationToken).ConfigureAwait(false);

            // The run starts on a thread-pool thread of its own, as the warm-ups' runs do inside the runner: when the probe
            // first waits (the lookup it queued on that thread, or the connection), only the runner's frames unwind above
            // it, and not this command's and the command line library's, whose first unwinding would be timed as the
            // target's resolve or connect.
            await Task.Run(() => runner.RunAsync(check, result =>
            {
                passed &= result.Success;
                if (json)
                {
                    return stdout.WriteLineAsync(ProbeResultJson.Serialize(result));
                }

                ProbeReport.Write(stdout, check, result);
                return Task.CompletedTask;
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return passed ? ExitCodes.Ok : ExitCodes.Failed;
    }
}

/// <summary>The flags every <c>sentinel probe TYPE</c> command shares, and the check JSON they make.</summary>
internal sealed class AdHocProbeOptions
{
    public Option<string> Timeout { get; } = new("--timeout") { Description = "Deadline of the run (default 10s).", HelpName = "DURATION" };

    public Option<string> Resolver { get; } = new("--resolver") { Description = "DNS server (IP[:port]) to resolve the target with instead of the system resolver.", HelpName = "SERVER" };

    public Option<bool> Ipv4 { get; } = new("--ipv4", "-4") { Description = "Use IPv4 only." };

    public Option<bool> Ipv6 { get; } = new("--ipv6", "-6") { Description = "Use IPv6 only." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as one line of JSON instead of the readable report." };

    /// <summary>Which flag sets which field, so that definition errors can name the flag.</summary>
    public Dictionary<string, string> Flags { get; } = new(StringComparer.Ordinal)
    {
        ["timeout"] = "--timeout",
        ["resolver"] = "--resolver",
        ["ipVersion"] = "--ipv4/--ipv6",
        ["target"] = "target",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Timeout);
        command.Options.Add(Resolver);
        command.Options.Add(Ipv4);
        command.Options.Add(Ipv6);
        command.Options.Add(Json);
    }

    /// <summary>The check for <paramref name="type"/> and <paramref name="target"/> with the common flags applied.</summary>
    public JsonObject Build(ParseResult parse, string type, string target)
    {
        var definition = new JsonObject
        {
            ["id"] = $"cli-{type}",
            ["type"] = type,
            ["target"] = target,

            // One run only: the interval merely has to exceed any timeout.
            ["interval"] = "24h",
        };

        if (parse.GetValue(Timeout) is { } timeout)
        {
            definition["timeout"] = timeout;
        }

        if (parse.GetValue(Resolver) is { } resolver)
        {
            definition["resolver"] = resolver;
        }

        if (parse.GetValue(Ipv4) ^ parse.GetValue(Ipv6))
        {
            definition["ipVersion"] = parse.GetValue(Ipv4) ? "ipv4" : "ipv6";
        }

        return definition;
    }
}
