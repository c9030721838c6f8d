namespace Sentinel.Worker.Alerting;

/// <summary>A channel that delivers notifications: email or webhook.</summary>
internal interface INotificationChannel
{
    /// <summary>The channel's configured name.</summary>
    string Name { get; }

    /// <summary>Delivers <paramref name="message"/>; returns once the peer accepted it.</summary>
    /// <exception cref="DeliveryException">The peer did not accept it; <see cref="DeliveryException.Permanent"/> says whether trying again can help.</exception>
    Task DeliverAsync(OutboxMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// A delivery that did not go through. Permanent: the peer rejected the message (an SMTP 5xx reply, a webhook's 4xx
/// status), so trying again would be rejected again. Otherwise the peer is away or busy, and it is tried again.
/// </summary>
internal sealed class DeliveryException(string reason, bool permanent, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>Whether trying again cannot help.</summary>
    public bool Permanent { get; } = permanent;
}
