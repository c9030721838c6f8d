using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// An email channel: one message with a plain-text and an HTML part, sent through the configured SMTP server with
/// MailKit (STARTTLS required with <c>StartTls</c>, TLS from the first byte with <c>Tls</c>, AUTH when a user is set).
/// The Message-Id is the notification's identity, so that a message sent twice (at-least-once) threads as one.
/// Host and From are set whenever an email channel exists (<see cref="AlertingConfiguration"/> makes sure). The server's
/// certificate is validated against the system trust store, or against <c>Smtp:CaFile</c> alone when it is set (a
/// private relay), with the host name checked either way.
/// </summary>
internal sealed class EmailChannel(string name, SmtpOptions smtp, IReadOnlyList<string> to, TlsTrust trust, TimeProvider time) : INotificationChannel
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string Name => name;

    public async Task DeliverAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var mail = Compose(message);
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        if (trust.CaFile is not null)
        {
            client.ServerCertificateValidationCallback = ValidateAgainstCaFile;
        }

        try
        {
            await client.ConnectAsync(smtp.Host!, smtp.EffectivePort, Security(smtp.Security), cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(smtp.Username))
            {
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            await client.SendAsync(mail, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException ex)
        {
            // RFC 5321, 4.2.1: 5yz is a permanent negative reply, 4yz a transient one.
            var code = (int)ex.StatusCode;
            throw new DeliveryException($"the SMTP server answered {code} {ex.Message.Trim()}", permanent: code >= 500, ex);
        }
        catch (AuthenticationException ex)
        {
            throw new DeliveryException($"the SMTP server refused the credentials: {ex.Message.Trim()}", permanent: true, ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or SmtpProtocolException or SslHandshakeException
                                       or ServiceNotConnectedException or ProtocolException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new DeliveryException($"cannot reach the SMTP server {smtp.Host}:{smtp.EffectivePort}: {ex.Message.Trim()}", permanent: false, ex);
        }
    }

    /// <summary>
    /// Whether the server's certificate chains to an anchor of the CA file (and names the host: SslStream's own check,
    /// kept). The chain is built again with the CA file as the only trust, from what the server sent and the file's
    /// intermediates, as a check's caFile is used.
    /// </summary>
    private bool ValidateAgainstCaFile(object sender, X509Certificate? certificate, X509Chain? served, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        var extra = served?.ChainElements.Select(e => e.Certificate).ToList() ?? [];
        using var chain = new X509Chain { ChainPolicy = trust.InspectionPolicy(time.GetUtcNow(), extra) };
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>The email of <paramref name="message"/>.</summary>
    internal MimeMessage Compose(OutboxMessage message)
    {
        var mail = new MimeMessage { Subject = message.Subject, MessageId = $"alert.{message.AlertId}.{message.Sequence}.{message.Channel}@sentinel" };
        mail.From.Add(MailboxAddress.Parse(smtp.From!));
        foreach (var address in to)
        {
            mail.To.Add(MailboxAddress.Parse(address));
        }

        mail.Headers.Add("X-Sentinel-Event", message.Event);
        mail.Body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html }.ToMessageBody();
        return mail;
    }

    private static SecureSocketOptions Security(string security) => security switch
    {
        "None" => SecureSocketOptions.None,
        "Tls" => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };
}
