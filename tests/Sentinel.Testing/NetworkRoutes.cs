using System.Diagnostics;

namespace Sentinel.Testing;

/// <summary>
/// An <c>unreachable</c> route for one test address in 198.18.0.0/15 (reserved for testing): the kernel
/// rejects connections to it locally with "no route to host", and no packet leaves the machine. Needs root;
/// <see cref="TryAdd"/> returns null where routes cannot be changed.
/// </summary>
public sealed class UnreachableRoute : IDisposable
{
    private UnreachableRoute(string address) => Address = address;

    public string Address { get; }

    public static UnreachableRoute? TryAdd()
    {
        var address = $"198.18.255.{Random.Shared.Next(2, 250)}";
        return Ip("route", "add", "unreachable", $"{address}/32") ? new UnreachableRoute(address) : null;
    }

    public void Dispose() => Ip("route", "del", "unreachable", $"{Address}/32");

    private static bool Ip(params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            process.WaitForExit(10_000);
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
