using System.Collections.Concurrent;
using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tcp;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tcp;

/// <summary>The connect phase's end: when the socket is known connected, not when Sentinel's continuation runs.</summary>
public sealed class TcpConnectorTests
{
    [Fact]
    public async Task ConnectAsync_PeerOnThisHost_EndsThePhaseInTheCallThatConnected()
    {
        using var listener = new CountingListener();
        var time = new RecordingTime();
        var check = new CheckDefinition { Id = "c", Name = "c", Type = "tcp", Target = listener.EndPoint.ToString() };
        var result = new ProbeResultBuilder(check);

        var connecting = TcpConnector.ConnectAsync(listener.EndPoint, check, new ProbeContext { Time = time }, result, TestContext.Current.CancellationToken);
        var takenInTheCall = time.Stamps.Count;
        using var socket = await connecting;

        // On loopback the handshake is over when connect() returns: the phase's end is read before the method first
        // yields (its start and its end), not after the socket engine hands the completion to a pool thread.
        Assert.NotNull(socket);
        Assert.True(socket.Connected);
        Assert.Equal(2, takenInTheCall);
        var stamps = time.Stamps.ToArray();
        Assert.Equal(2, stamps.Length);
        Assert.Equal(time.GetElapsedTime(stamps[0], stamps[1]), result.PhaseDuration(PhaseNames.Connect));
        await Eventually.WaitAsync(() => listener.Accepted == 1, TimeSpan.FromSeconds(5), "the listener to accept the connection");
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_StillRecordsThePhaseAndTheRefusal()
    {
        var port = TcpPorts.Closed();
        var remote = new IPEndPoint(IPAddress.Loopback, port);
        var check = new CheckDefinition { Id = "c", Name = "c", Type = "tcp", Target = remote.ToString() };
        var result = new ProbeResultBuilder(check);

        var socket = await TcpConnector.ConnectAsync(remote, check, new ProbeContext(), result, TestContext.Current.CancellationToken);

        Assert.Null(socket);
        Assert.NotNull(result.PhaseDuration(PhaseNames.Connect));
        Assert.Equal("tcp_refused", result.Build().Failure!.Category);
    }

    /// <summary>The system's clock, keeping every timestamp it hands out.</summary>
    private sealed class RecordingTime : TimeProvider
    {
        public ConcurrentQueue<long> Stamps { get; } = new();

        public override long GetTimestamp()
        {
            var stamp = TimeProvider.System.GetTimestamp();
            Stamps.Enqueue(stamp);
            return stamp;
        }
    }
}
