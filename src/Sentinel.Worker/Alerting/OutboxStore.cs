using Npgsql;

namespace Sentinel.Worker.Alerting;

/// <summary>A queued notification, as a sender claims it.</summary>
internal sealed record OutboxMessage(long Id, long AlertId, long Sequence, string Channel, string Event, string Subject, string Text, string Html, string Payload, int Attempts);

/// <summary>
/// The outbox side of <c>alert_outbox</c>: senders claim one row at a time for a lease (so that two nodes do not send
/// the same row at once, and a row whose sender died is sent by another once the lease ran out), and mark it sent only
/// after the peer accepted it.
/// </summary>
internal sealed class OutboxStore(NpgsqlDataSource dataSource)
{
    /// <summary>The oldest row of <paramref name="channel"/> that is due and not claimed, now claimed until <paramref name="leaseUntil"/>; null when there is none.</summary>
    public async Task<OutboxMessage?> ClaimAsync(string channel, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE alert_outbox SET claimed_until = $3
            WHERE id = (SELECT id FROM alert_outbox
                        WHERE state = 'queued' AND channel = $1 AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2)
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, alert_id, sequence, channel, event, subject, text_body, html_body, payload::text, attempts
            """);
        command.Parameters.AddWithValue(channel);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(leaseUntil);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new OutboxMessage(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
            reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetInt32(9));
    }

    /// <summary>The peer accepted the row.</summary>
    public Task MarkSentAsync(long id, int attempts, DateTimeOffset now, CancellationToken cancellationToken) => ExecuteAsync(
        "UPDATE alert_outbox SET state = 'sent', sent_at = $2, attempts = $3, claimed_until = NULL, last_error = NULL WHERE id = $1",
        cancellationToken, id, now, attempts);

    /// <summary>The peer rejected the row for good; it is not tried again.</summary>
    public Task MarkFailedAsync(long id, int attempts, string reason, CancellationToken cancellationToken) => ExecuteAsync(
        "UPDATE alert_outbox SET state = 'failed', attempts = $2, last_error = $3, claimed_until = NULL WHERE id = $1",
        cancellationToken, id, attempts, reason);

    /// <summary>Not delivered yet (the peer is away); the row is due again at <paramref name="nextAttempt"/>, for any sender.</summary>
    public Task ReleaseAsync(long id, int attempts, string? error, DateTimeOffset nextAttempt, CancellationToken cancellationToken) => ExecuteAsync(
        "UPDATE alert_outbox SET attempts = $2, last_error = coalesce($3, last_error), next_attempt_at = $4, claimed_until = NULL WHERE id = $1",
        cancellationToken, id, attempts, (object?)error ?? DBNull.Value, nextAttempt);

    /// <summary>Rows of channels the configuration no longer has cannot be sent: they are marked failed with that reason.</summary>
    public Task<int> FailUnknownChannelsAsync(IReadOnlyCollection<string> channels, CancellationToken cancellationToken) => ExecuteAsync(
        "UPDATE alert_outbox SET state = 'failed', last_error = 'the channel is not configured' WHERE state = 'queued' AND NOT (channel = ANY($1))",
        cancellationToken, (object)channels.ToArray());

    /// <summary>How many rows wait to be sent.</summary>
    public async Task<long> DepthAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM alert_outbox WHERE state = 'queued'");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The firing alerts by kind and severity, for <c>sentinel_alerts_firing</c>.</summary>
    public async Task<IReadOnlyList<(string Kind, string Severity, long Count)>> FiringAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT kind, severity, count(*) FROM alerts WHERE state = 'firing' GROUP BY kind, severity");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new List<(string, string, long)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return counts;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
