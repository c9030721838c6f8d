using System.CommandLine;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel probe tcp HOST:PORT</c>.</summary>
internal static class ProbeTcpCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("target") { Description = "host:port, or [IPv6]:port." };
        var options = new AdHocProbeOptions();
        var command = new Command("tcp", "Resolve host:port and open a TCP connection, timing resolve and connect.") { target };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => ProbeCommand.RunAdHocAsync(
            options.Build(parse, "tcp", parse.GetValue(target)!), options.Flags, parse.GetValue(options.Json), stdout, stderr, cancellationToken));
        return command;
    }
}
