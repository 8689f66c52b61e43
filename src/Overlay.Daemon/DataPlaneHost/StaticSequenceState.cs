using System.Globalization;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.Configuration;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sequence;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// The sequence numbers of the static outbound SAs (<c>[[dataplane.sa]] direction = "out"</c>), kept across restarts
/// in <c>&lt;state_dir&gt;/esp-sequence/</c> by a <see cref="SequenceReserver"/> (docs/dataplane.md, "Static keys and
/// the sequence number"). A static key lives longer than one run, and the sequence number is its AES-GCM IV: starting
/// again at 1 would encrypt under a (key, nonce) pair already used. <see cref="Open"/> runs before any subsystem
/// starts and refuses the start when an SA's state cannot be kept; <see cref="Attach"/> hands each outbound
/// descriptor its counter at install.
/// </summary>
public sealed class StaticSequenceState : IDisposable
{
    /// <summary>The directory under <c>state_dir</c>.</summary>
    public const string DirectoryName = "esp-sequence";

    /// <summary>Test knob: numbers per reservation instead of <see cref="SequenceReserver.DefaultBlock"/> (2..2^32).</summary>
    public const string BlockVariable = "TVD_OVERLAYD_TEST_SEQUENCE_BLOCK";

    private readonly DaemonConfig _config;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private SequenceReserver? _reserver;

    public StaticSequenceState(DaemonConfig config, ILoggerFactory loggers)
    {
        _config = config;
        _loggers = loggers;
        _logger = loggers.CreateLogger<StaticSequenceState>();
    }

    /// <summary>The reserver, once <see cref="Open"/> found a static outbound SA; null otherwise.</summary>
    public SequenceReserver? Reserver => _reserver;

    /// <summary>
    /// Opens the state directory and makes the first block of every static outbound SA durable, each continuing
    /// above what earlier runs reserved. Throws <see cref="SequenceStartException"/> with one located error per SA
    /// whose state cannot be read, is corrupt, cannot be written, or whose sequence space is used up.
    /// </summary>
    public void Open()
    {
        if (_config.DataPlane is not { } dataPlane || _reserver is not null)
        {
            return;
        }

        StaticSaConfig[] outbound = [.. dataPlane.Sas.Where(sa => sa.Direction == SaDirection.Outbound)];
        if (outbound.Length == 0)
        {
            return;
        }

        ulong block = Block(dataPlane);
        string path = Path.Combine(_config.StateDirectory, DirectoryName);
        SequenceStateDirectory store;
        try
        {
            store = SequenceStateDirectory.Open(path);
        }
        catch (SequenceStateException e)
        {
            throw new SequenceStartException([.. outbound.Select(sa => Located(sa, e.Message))], badInput: false);
        }

        _reserver = new SequenceReserver(store, block, logger: _loggers.CreateLogger<SequenceReserver>());
        var errors = new List<ConfigError>();
        bool environment = false;
        foreach (StaticSaConfig sa in outbound)
        {
            try
            {
                _reserver.Open(sa.Spi, sa.Key, sa.ExtendedSequenceNumbers);
            }
            catch (SequenceStateException e)
            {
                errors.Add(Located(sa, e.Message));
                environment |= !e.Exhausted;
            }
        }

        if (errors.Count > 0)
        {
            throw new SequenceStartException(errors, badInput: !environment);
        }
    }

    /// <summary>
    /// <paramref name="descriptor"/> with its counter when it is outbound (the one <see cref="Open"/> made for its SPI
    /// and key, or a new one for an SA configured since); an inbound one as it is. Throws
    /// <see cref="SequenceStateException"/> when a new counter's state cannot be kept.
    /// </summary>
    public SaDescriptor Attach(SaDescriptor descriptor)
    {
        if (descriptor.Direction != SaDirection.Outbound)
        {
            return descriptor;
        }

        SequenceReserver reserver = _reserver ?? throw new InvalidOperationException("static sequence state used before Open");
        return descriptor with { Sequence = reserver.Open(descriptor.Spi, descriptor.Key.Span, descriptor.ExtendedSequenceNumbers) };
    }

    /// <summary>Starts reserving ahead (the reserver's thread). Idempotent.</summary>
    public void Start() => _reserver?.Start();

    public void Dispose() => _reserver?.Dispose();

    private static ConfigError Located(StaticSaConfig sa, string message) => new(sa.Location, $"SA {sa.Spi:x8}: cannot keep its sequence numbers (AES-GCM IVs) across restarts: {message}");

    private ulong Block(DataPlaneConfig dataPlane)
    {
        if (Environment.GetEnvironmentVariable(BlockVariable) is not { } text)
        {
            return SequenceReserver.DefaultBlock;
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong block) || block is < 2 or > (1UL << 32))
        {
            throw new SequenceStartException([new ConfigError(dataPlane.Location, $"{BlockVariable}={text}: not a block of 2 to 4294967296 numbers")], badInput: true);
        }

        DataPlaneLog.TestSequenceBlock(_logger, block);
        return block;
    }
}

/// <summary>Static outbound SAs whose sequence state cannot be kept: the daemon does not start.</summary>
public sealed class SequenceStartException : Exception
{
    public SequenceStartException(IReadOnlyList<ConfigError> errors, bool badInput)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
        BadInput = badInput;
    }

    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>
    /// True when only the config can help (every problem is a key whose sequence space is used up: exit 2); false
    /// when the host's storage is the problem (unreadable, corrupt or unwritable state: exit 1).
    /// </summary>
    public bool BadInput { get; }
}
