using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;

namespace Sentinel.Testing;

/// <summary>
/// A small routed network in network namespaces, for path probes: a client, routers with forwarding on and
/// a target in a chain, joined by veth pairs, with addresses from 198.18.0.0/15 (RFC 2544, reserved for
/// tests) and 2001:db8::/32 (RFC 3849, documentation). Nothing is added to the root namespace: every
/// address and route lives inside the lab's namespaces, so no probe can leave the machine.
/// </summary>
/// <remarks>
/// Link i joins node i and node i+1 (node 0 is the client, the last is the target); its left end is
/// 198.18.i.1 and its right end 198.18.i.2 (2001:db8:5e47:i::1 and ::2). Router k (hop k) therefore answers
/// from 198.18.(k−1).2, the address of its interface towards the client. The per-destination ICMP rate
/// limit is off in every node so that every probe is answered unless a test says otherwise; each node keeps
/// the kernel's budget for all the ICMP errors it sends (net.ipv4.icmp_msgs_per_sec 1000 and
/// icmp_msgs_burst 50 per namespace, shared with ICMPv6), as real hosts do: a probe that puts dozens of UDP
/// datagrams on the target within a few milliseconds sees its "port unreachable" answers go missing there
/// (the target's IcmpOutRateLimitGlobal counter, nstat). Namespace names carry the process
/// id and a counter, so parallel runs do not collide; <see cref="Dispose"/> deletes them all (and with
/// them every veth and nftables rule), also when a test failed.
/// </remarks>
public sealed partial class PathLab : IDisposable
{
    private static int _labs;
    private readonly List<string> _namespaces = [];

    private PathLab(int routers)
    {
        var prefix = $"sentinel-{Environment.ProcessId}-{Interlocked.Increment(ref _labs)}";
        Client = $"{prefix}-client";
        Routers = Enumerable.Range(1, routers).Select(k => $"{prefix}-r{k}").ToList();
        Target = $"{prefix}-target";
        AlternateRouter = $"{prefix}-r2b";
    }

    /// <summary>Why the lab cannot be built on this machine, or null when it can.</summary>
    public static string? SkipReason { get; } = Probe();

    /// <summary>The client namespace: where probes run.</summary>
    public string Client { get; }

    /// <summary>The router namespaces, hop 1 first.</summary>
    public IReadOnlyList<string> Routers { get; }

    /// <summary>The target namespace.</summary>
    public string Target { get; }

    /// <summary>The router of the alternate route (between router 1 and router 3), when built.</summary>
    public string AlternateRouter { get; }

    /// <summary>The target's IPv4 address.</summary>
    public string TargetAddress => $"198.18.{Routers.Count}.2";

    /// <summary>The target's IPv6 address.</summary>
    public string TargetAddress6 => $"2001:db8:5e47:{Routers.Count}::2";

    /// <summary>The IPv4 address each hop answers from: the routers', then the target's.</summary>
    public IReadOnlyList<string> HopAddresses => Enumerable.Range(0, Routers.Count + 1).Select(i => $"198.18.{i}.2").ToList();

    /// <summary>The IPv6 address each hop answers from.</summary>
    public IReadOnlyList<string> HopAddresses6 => Enumerable.Range(0, Routers.Count + 1).Select(i => System.Net.IPAddress.Parse($"2001:db8:5e47:{i}::2").ToString()).ToList();

    /// <summary>The address the alternate router answers from.</summary>
    public static string AlternateHopAddress => "198.18.10.2";

    /// <summary>
    /// Builds client → r1 → … → rN → target; with <paramref name="alternateRoute"/> (needs 3 routers) also a
    /// second router between r1 and r3 that <see cref="SwitchToAlternateRoute"/> moves traffic onto.
    /// Throws when a step fails, after removing what it built.
    /// </summary>
    public static PathLab Create(int routers = 3, bool alternateRoute = false)
    {
        if (SkipReason is not null)
        {
            throw new InvalidOperationException(SkipReason);
        }

        var lab = new PathLab(routers);
        try
        {
            lab.Build(alternateRoute);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Drops <paramref name="percent"/> % of the packets router <paramref name="router"/> forwards away from the client (real loss from the next hop on).</summary>
    public void DropForwarded(int router, int percent) => Nft(Routers[router - 1],
        $"table inet sentinel {{\n chain forward {{\n  type filter hook forward priority 0; policy accept;\n  iifname \"left\" {Share(percent)}drop\n }}\n}}\n");

    /// <summary>Drops <paramref name="percent"/> % of the time-exceeded messages router <paramref name="router"/> generates (loss at that hop only).</summary>
    public void DropTimeExceeded(int router, int percent) => Nft(Routers[router - 1],
        $"table inet sentinel {{\n chain output {{\n  type filter hook output priority 0; policy accept;\n  icmp type time-exceeded {Share(percent)}drop\n  icmpv6 type time-exceeded {Share(percent)}drop\n }}\n}}\n");

    /// <summary>Turns on the kernel's own ICMP rate limit in router <paramref name="router"/>: one message per <paramref name="milliseconds"/> per destination, after a burst of 6.</summary>
    public void LimitIcmp(int router, int milliseconds)
    {
        Sysctl(Routers[router - 1], "net.ipv4.icmp_ratelimit", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Sysctl(Routers[router - 1], "net.ipv6.icmp.ratelimit", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Makes router <paramref name="router"/> refuse to forward anything away from the client, answering "administratively prohibited".</summary>
    public void RejectForwarded(int router) => Nft(Routers[router - 1],
        "table inet sentinel {\n chain forward {\n  type filter hook forward priority 0; policy accept;\n  iifname \"left\" reject with icmpx type admin-prohibited\n }\n}\n");

    /// <summary>
    /// Makes the target police the IPv4 echo requests it receives as a router's control plane does: a token bucket of
    /// <paramref name="burst"/> requests refilled at <paramref name="perSecond"/> a second; requests beyond it are
    /// dropped. Every request that arrives is counted first (<see cref="EchoRequestsAtTarget"/>).
    /// </summary>
    public void PoliceEchoRequests(int perSecond, int burst) => Nft(Target,
        $"table inet sentinel {{\n counter echo_requests {{ }}\n chain input {{\n  type filter hook input priority 0; policy accept;\n  icmp type echo-request counter name \"echo_requests\"\n  icmp type echo-request limit rate over {perSecond}/second burst {burst} packets drop\n }}\n}}\n");

    /// <summary>The echo requests that reached the target since <see cref="PoliceEchoRequests"/>.</summary>
    public int EchoRequestsAtTarget()
    {
        var output = Output("ip", ["netns", "exec", Target, "nft", "list", "counter", "inet", "sentinel", "echo_requests"]);
        var match = System.Text.RegularExpressions.Regex.Match(output, @"packets (\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no counter in: {output}");
    }

    /// <summary>Makes the target drop the ICMP echo requests it receives (a host that blocks ping) and nothing else.</summary>
    public void DropEchoRequestsAtTarget() => Nft(Target,
        "table inet sentinel {\n chain input {\n  type filter hook input priority 0; policy accept;\n  icmp type echo-request drop\n  icmpv6 type echo-request drop\n }\n}\n");

    /// <summary>Makes the target drop everything it receives: the path is unreachable after the last router.</summary>
    public void SilenceTarget() => Nft(Target,
        "table inet sentinel {\n chain input {\n  type filter hook input priority 0; policy drop;\n }\n}\n");

    /// <summary>Moves router 1's route to the target from router 2 to the alternate router: hop 2 changes.</summary>
    public void SwitchToAlternateRoute()
    {
        for (var i = 2; i <= Routers.Count; i++)
        {
            Ip(Routers[0], "route", "replace", $"198.18.{i}.0/24", "via", "198.18.10.2");
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread that has entered the client namespace, and returns what it
    /// returns. Sockets opened synchronously by the action belong to the client namespace for their whole
    /// life, whichever thread later uses them; an async action must open its sockets before its first await.
    /// Before running it, the thread checks that it sees the client's interfaces only.
    /// </summary>
    public T RunInClient<T>(Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Client}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {Client} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                var interfaces = NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name).Order(StringComparer.Ordinal).ToList();
                if (!interfaces.SequenceEqual(["lo", "right"]))
                {
                    throw new InvalidOperationException($"the thread is not in the client namespace: it sees {string.Join(", ", interfaces)}");
                }

                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException("running in the client namespace failed", error);
    }

    /// <summary>Runs <c>sentinel ARGS</c> in the client namespace (optionally wrapped, e.g. by capsh) and returns its exit code, stdout and stderr.</summary>
    public Task<(int ExitCode, string Output, string Error)> RunSentinelAsync(TimeSpan timeout, IReadOnlyList<string>? wrapper, params string[] arguments) =>
        RunAsync(timeout, ["netns", "exec", Client, .. wrapper ?? [], "dotnet", SentinelProcess.Executable, .. arguments]);

    /// <summary>Runs a program in the client namespace and returns its exit code, stdout and stderr.</summary>
    public Task<(int ExitCode, string Output, string Error)> RunInClientAsync(TimeSpan timeout, params string[] command) =>
        RunAsync(timeout, ["netns", "exec", Client, .. command]);

    public void Dispose()
    {
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            // Deleting a namespace deletes its veth ends (and so their peers) and its nftables tables.
            TryRun("ip", ["netns", "delete", name], out _);
        }

        _namespaces.Clear();
    }

    private void Build(bool alternateRoute)
    {
        var nodes = new List<string> { Client };
        nodes.AddRange(Routers);
        nodes.Add(Target);
        foreach (var node in nodes)
        {
            AddNamespace(node);
        }

        for (var i = 0; i < nodes.Count - 1; i++)
        {
            Link(nodes[i], "right", nodes[i + 1], "left", i);
        }

        // Every node sends what is not ahead of it back towards the client, and what is ahead to its right neighbour.
        for (var n = 0; n < nodes.Count; n++)
        {
            if (n > 0)
            {
                Ip(nodes[n], "route", "add", "default", "via", $"198.18.{n - 1}.1");
                Ip(nodes[n], "-6", "route", "add", "default", "via", $"2001:db8:5e47:{n - 1}::1");
            }
            else
            {
                Ip(nodes[n], "route", "add", "default", "via", "198.18.0.2");
                Ip(nodes[n], "-6", "route", "add", "default", "via", "2001:db8:5e47:0::2");
            }

            for (var ahead = n + 1; n > 0 && ahead < nodes.Count - 1; ahead++)
            {
                Ip(nodes[n], "route", "add", $"198.18.{ahead}.0/24", "via", $"198.18.{n}.2");
                Ip(nodes[n], "-6", "route", "add", $"2001:db8:5e47:{ahead}::/64", "via", $"2001:db8:5e47:{n}::2");
            }
        }

        // One ping end to end per family fills every neighbour cache on the way, so the first probes of a
        // test are not delayed by address resolution; it also proves the lab forwards.
        foreach (var address in new[] { TargetAddress, TargetAddress6 })
        {
            var reached = false;
            for (var attempt = 0; attempt < 10 && !reached; attempt++)
            {
                reached = TryRun("ip", ["netns", "exec", Client, "ping", "-c", "1", "-W", "1", address], out _);
            }

            if (!reached)
            {
                throw new InvalidOperationException($"the lab does not forward: {address} does not answer ping from the client");
            }
        }

        if (alternateRoute)
        {
            AddNamespace(AlternateRouter);
            Link(Routers[0], "alt", AlternateRouter, "left", 10);
            Link(AlternateRouter, "right", Routers[2], "alt", 11);
            Ip(AlternateRouter, "route", "add", "default", "via", "198.18.10.1");
            for (var i = 2; i <= Routers.Count; i++)
            {
                Ip(AlternateRouter, "route", "add", $"198.18.{i}.0/24", "via", "198.18.11.2");
            }
        }
    }

    private void AddNamespace(string name)
    {
        Run("ip", ["netns", "add", name]);
        _namespaces.Add(name);
        Ip(name, "link", "set", "lo", "up");
        Sysctl(name, "net.ipv4.ip_forward", "1");
        Sysctl(name, "net.ipv6.conf.all.forwarding", "1");

        // Interfaces made later take the defaults, not "all". Without duplicate address detection the
        // link-local addresses neighbour discovery needs are usable at once, not after about a second.
        Sysctl(name, "net.ipv6.conf.default.forwarding", "1");
        Sysctl(name, "net.ipv6.conf.all.accept_dad", "0");
        Sysctl(name, "net.ipv6.conf.default.accept_dad", "0");

        // Every probe answered unless a test says otherwise (the namespace-wide budget of ICMP errors stays, see
        // the remarks); no reverse-path filter for the alternate route.
        Sysctl(name, "net.ipv4.icmp_ratelimit", "0");
        Sysctl(name, "net.ipv6.icmp.ratelimit", "0");
        Sysctl(name, "net.ipv4.conf.all.rp_filter", "0");
        Sysctl(name, "net.ipv4.conf.default.rp_filter", "0");
    }

    private void Link(string left, string leftName, string right, string rightName, int subnet)
    {
        Ip(left, "link", "add", "name", leftName, "type", "veth", "peer", "name", rightName, "netns", right);
        Ip(left, "addr", "add", $"198.18.{subnet}.1/24", "dev", leftName);
        Ip(right, "addr", "add", $"198.18.{subnet}.2/24", "dev", rightName);

        // nodad: the addresses are usable at once instead of after duplicate address detection (about 1 s).
        Ip(left, "-6", "addr", "add", $"2001:db8:5e47:{subnet}::1/64", "dev", leftName, "nodad");
        Ip(right, "-6", "addr", "add", $"2001:db8:5e47:{subnet}::2/64", "dev", rightName, "nodad");
        Ip(left, "link", "set", leftName, "up");
        Ip(right, "link", "set", rightName, "up");
    }

    /// <summary>An nftables expression matching <paramref name="percent"/> % of packets at random (all of them at 100).</summary>
    private static string Share(int percent) => percent >= 100 ? "" : $"numgen random mod 100 < {percent} ";

    private static void Ip(string ns, params string[] arguments) => Run("ip", ["-n", ns, .. arguments]);

    private static void Sysctl(string ns, string key, string value) =>
        Run("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", $"{key}={value}"]);

    private static void Nft(string ns, string ruleset)
    {
        var file = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, ruleset);
            Run("ip", ["netns", "exec", ns, "nft", "-f", file]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
