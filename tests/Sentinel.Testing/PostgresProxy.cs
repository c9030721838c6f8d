using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sentinel.Testing;

/// <summary>
/// A TCP proxy on loopback in front of a <see cref="PostgresCluster"/>'s unix socket, that makes the faults a network
/// makes: <see cref="Down"/> cuts every connection and refuses new ones (the database is away), and
/// <see cref="CutAfterCommits"/> cuts a connection right after forwarding a client's <c>COMMIT</c>, once the server has
/// begun to answer it (so the commit happened) and before relaying that answer (so the client never hears). It reads
/// the client's side of the wire protocol only as far as message boundaries.
/// </summary>
public sealed class PostgresProxy : IAsyncDisposable
{
    private const int SslRequest = 80877103;
    private const int GssEncRequest = 80877104;

    private readonly string _socketPath;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;
    private int _cutAfterCommits;
    private int _commitsCut;
    private volatile bool _down;

    public PostgresProxy(PostgresCluster cluster)
    {
        _socketPath = Path.Combine(cluster.Server.SocketDirectory, ".s.PGSQL.5432");
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Commits whose answer was withheld and whose connection was cut.</summary>
    public int CommitsCut => Volatile.Read(ref _commitsCut);

    /// <summary>Whether the database is "away": set, every open connection is cut and new ones are closed at once.</summary>
    public bool Down
    {
        get => _down;
        set
        {
            _down = value;
            if (value)
            {
                CutAll();
            }
        }
    }

    /// <summary>Cuts the connections of the next <paramref name="count"/> commits after forwarding them.</summary>
    public void CutAfterCommits(int count) => Interlocked.Exchange(ref _cutAfterCommits, count);

    /// <summary>A connection string through the proxy to <paramref name="database"/> of the cluster (as its connection string names it).</summary>
    public string ConnectionString(string clusterConnectionString)
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(clusterConnectionString).Database;
        return $"Host=127.0.0.1;Port={Port};Username=sentinel;Database={database};SSL Mode=Disable;Gss Encryption Mode=Disable;Timeout=5";
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                if (_down)
                {
                    client.Dispose();
                    continue;
                }

                _ = RelayAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using (client)
        {
            try
            {
                await server.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), _stop.Token);
                Track(client, server);
                var withheld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var connection = new Connection(client, server, withheld);
                await Task.WhenAny(FromClientAsync(connection), FromServerAsync(connection));
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
            }
            finally
            {
                Untrack(client, server);
            }
        }
    }

    /// <summary>Client to server, message by message, watching for <c>COMMIT</c>.</summary>
    private async Task FromClientAsync(Connection connection)
    {
        var reader = new MessageReader(connection.Client);
        var startup = true;
        while (await reader.NextAsync(startup, _stop.Token) is { } message)
        {
            if (startup)
            {
                var code = BinaryPrimitives.ReadInt32BigEndian(message.AsSpan(4));
                startup = code is SslRequest or GssEncRequest;
            }

            var commit = !startup && message[0] == (byte)'Q' && IsCommit(message.AsSpan(5)) && TryArm();
            if (commit)
            {
                connection.Withholding = true;
            }

            await connection.Server.SendAsync(message, SocketFlags.None, _stop.Token);
            if (commit)
            {
                // The server has begun to answer: the commit is done. The client hears nothing of it.
                await connection.Withheld.Task.WaitAsync(TimeSpan.FromSeconds(30), _stop.Token);
                Interlocked.Increment(ref _commitsCut);
                connection.Client.Shutdown(SocketShutdown.Both);
                return;
            }
        }
    }

    private async Task FromServerAsync(Connection connection)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await connection.Server.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (connection.Withholding)
            {
                connection.Withheld.TrySetResult();
                continue;
            }

            await connection.Client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
        }
    }

    private bool TryArm()
    {
        while (true)
        {
            var left = Volatile.Read(ref _cutAfterCommits);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _cutAfterCommits, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static bool IsCommit(ReadOnlySpan<byte> query)
    {
        var text = Encoding.UTF8.GetString(query.TrimEnd((byte)0)).Trim().TrimEnd(';').Trim();
        return text.Equals("COMMIT", StringComparison.OrdinalIgnoreCase) || text.Equals("END", StringComparison.OrdinalIgnoreCase);
    }

    private void Track(Socket client, Socket server)
    {
        lock (_lock)
        {
            _open.Add(client);
            _open.Add(server);
        }

        if (_down)
        {
            CutAll();
        }
    }

    private void Untrack(Socket client, Socket server)
    {
        lock (_lock)
        {
            _open.Remove(client);
            _open.Remove(server);
        }
    }

    private void CutAll()
    {
        lock (_lock)
        {
            foreach (var socket in _open)
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        await _accepting;
        _stop.Dispose();
    }

    private sealed class Connection(Socket client, Socket server, TaskCompletionSource withheld)
    {
        public Socket Client { get; } = client;

        public Socket Server { get; } = server;

        public TaskCompletionSource Withheld { get; } = withheld;

        public volatile bool Withholding;
    }

    /// <summary>Whole messages of the client's side: untyped (length first) until the startup message, then typed.</summary>
    private sealed class MessageReader(Socket socket)
    {
        private readonly byte[] _header = new byte[5];

        public async Task<byte[]?> NextAsync(bool untyped, CancellationToken cancellationToken)
        {
            var headerLength = untyped ? 4 : 5;
            if (!await FillAsync(_header.AsMemory(0, headerLength), cancellationToken))
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(untyped ? 0 : 1, 4));
            var message = new byte[headerLength + length - 4];
            _header.AsSpan(0, headerLength).CopyTo(message);
            return await FillAsync(message.AsMemory(headerLength), cancellationToken) ? message : null;
        }

        private async Task<bool> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            while (buffer.Length > 0)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                buffer = buffer[read..];
            }

            return true;
        }
    }
}
