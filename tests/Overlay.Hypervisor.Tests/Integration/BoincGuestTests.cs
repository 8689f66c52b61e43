using System.Diagnostics;
using System.Xml.Linq;
using Overlay.Hypervisor.Tests.Support;
using Xunit.Abstractions;

namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>
/// The demo's BOINC client VM (scripts/guest-image.sh --boinc) under a real libvirtd with TCG, started through
/// GuestManager on a real TAP like every guest of the daemon. The TAP's other end is a namespace where a stand-in
/// project (python3 http.server) serves a master page and records what the client sends: the test passes when the
/// client in the VM fetched the master page and POSTed a scheduler request with our authenticator and the demo's
/// anonymous-platform app. Everything is named thvb-&lt;pid&gt;… (domain, namespace) or thvb&lt;pid&gt;… (TAP) and removed
/// even when the test fails.
/// </summary>
[Collection(LibvirtCollection.Name)]
public sealed class BoincGuestTests(QemuHostFixture host, ITestOutputHelper output) : IClassFixture<QemuHostFixture>, IDisposable
{
    private const string Authenticator = "7f3c0a5e9b1d4c2e8a6f0b3d5c7e9a1b";

    /// <summary>The VM's memory: the initramfs (~28 MB unpacked) lives in RAM, the client wants ~30 MB more.</summary>
    private const int MemoryMiB = 384;

    /// <summary>Start() to the first scheduler POST is ~20 s on an idle machine (TCG); the bound leaves room for a busy one.</summary>
    private static readonly TimeSpan SchedulerTimeout = TimeSpan.FromSeconds(75);

    private QemuGuestLab? _lab;

    public void Dispose() => _lab?.Dispose();

    [BoincGuestFact]
    public void The_BOINC_client_in_the_VM_fetches_the_master_page_and_posts_a_scheduler_request_to_the_project()
    {
        var image = host.Boinc;
        output.WriteLine(image.Report);
        _lab = new QemuGuestLab(host, prefix: "thvb");
        var lab = _lab;
        var url = $"http://{QemuGuestLab.PeerAddress}/";
        var plain = lab.Spec(lab.Hertz);
        var spec = plain with
        {
            Kernel = image.Kernel,
            Initrd = image.Initrd,
            KernelCommandLine = $"{plain.KernelCommandLine} tvd.boinc_url={url} tvd.boinc_auth={Authenticator}",
            MemoryMiB = MemoryMiB,
        };
        Assert.True(lab.Manager.Define(spec).Succeeded);

        var clock = Stopwatch.StartNew();
        var started = lab.Manager.Start(lab.Hertz);
        Assert.True(started.Succeeded, started.ToString());
        lab.MoveTapToPeerNamespace(lab.Hertz);
        using var project = ProjectStandIn.Start(lab.Namespace, QemuGuestLab.PeerAddress);

        var master = project.WaitFor(r => r.Method == "GET" && r.Path == "/", SchedulerTimeout - clock.Elapsed);
        var masterAt = clock.Elapsed;
        Assert.True(master is not null, $"no GET / within {SchedulerTimeout.TotalSeconds:0} s of Start(); {project.Seen}\nconsole:\n{lab.ConsoleLog(lab.Hertz)}");
        Assert.StartsWith("BOINC client (x86_64-pc-linux-gnu 7.20.5)", master.UserAgent);

        var post = project.WaitFor(r => r.Method == "POST", SchedulerTimeout - clock.Elapsed);
        var postAt = clock.Elapsed;
        Assert.True(post is not null, $"no scheduler POST within {SchedulerTimeout.TotalSeconds:0} s of Start(); {project.Seen}\nconsole:\n{lab.ConsoleLog(lab.Hertz)}");
        output.WriteLine($"Start() → GET / after {masterAt.TotalSeconds:0.0} s, first scheduler POST after {postAt.TotalSeconds:0.0} s ({post.Body.Length} bytes)");

        // The scheduler URL is the one the master page named, and the request is the client's own.
        Assert.Equal(ProjectStandIn.SchedulerPath, post.Path);
        var request = XElement.Parse(post.Body);
        Assert.Equal("scheduler_request", request.Name.LocalName);
        Assert.Equal(Authenticator, (string?)request.Element("authenticator"));
        Assert.Equal("7", (string?)request.Element("core_client_major_version"));
        Assert.Equal("20", (string?)request.Element("core_client_minor_version"));

        // Anonymous platform: the client found the demo's app_info.xml in the project directory /init prepared, so it
        // names no platform of its own and lists the app version it has instead of asking for one.
        Assert.Equal("anonymous", (string?)request.Element("platform_name"));
        var appVersion = request.Element("app_versions")?.Element("app_version");
        Assert.True(appVersion is not null, $"no <app_versions> in the request (app_info.xml not in the project directory?):\n{post.Body}");
        Assert.Equal("tvd_hashchain", (string?)appVersion.Element("app_name"));
        Assert.Equal("100", (string?)appVersion.Element("version_num"));

        // The console (what the daemon's console log holds) follows it: /init's progress lines and the client's own log.
        var console = lab.ConsoleLog(lab.Hertz);
        Assert.Contains($"tvd-guest: ready name={lab.Hertz} ip={QemuGuestLab.AddressOf(lab.Hertz)}/24", console);
        Assert.Contains($"tvd-guest: boinc started pid=", console);
        Assert.Contains($"url={url} project_dir=/var/lib/boinc/projects/{QemuGuestLab.PeerAddress} ", console);
        Assert.Contains("[---] Starting BOINC client version 7.20.5 for x86_64-pc-linux-gnu", console);
        Assert.Contains($"[{url}] Master file download succeeded", console);
        Assert.Contains($"[{url}] Sending scheduler request: Project initialization.", console);
        Assert.DoesNotContain("Suspending computation", console);
        output.WriteLine($"console:\n{console}\nscheduler request:\n{post.Body}");

        Assert.True(lab.Manager.Stop(lab.Hertz).Succeeded);
        Assert.Equal("shut off", QemuGuestLab.DomainState(lab.Hertz));
    }

    /// <summary>One HTTP request the stand-in project received.</summary>
    private sealed record ProjectRequest(string Method, string Path, string UserAgent, string Body);

    /// <summary>
    /// A stand-in BOINC project: python3's http.server in the namespace, on port 80 of <c>address</c>. GET / answers a
    /// master page naming the scheduler; a POST answers the least scheduler reply the client accepts (a 60 s request
    /// delay, no work). Every request is printed as a line of four tab-separated, hex-encoded fields, which the test
    /// reads as they come. Disposing kills it.
    /// </summary>
    private sealed class ProjectStandIn : IDisposable
    {
        public const string SchedulerPath = "/thvb_cgi";

        private const string Script = """
            import http.server, sys
            addr, sched = sys.argv[1], sys.argv[2]
            def say(method, path, agent, body):
                print("\t".join(x.encode().hex() if isinstance(x, str) else x.hex() for x in (method, path, agent, body)), flush=True)
            class Project(http.server.BaseHTTPRequestHandler):
                def log_message(self, *args): pass
                def answer(self, kind, text):
                    data = text.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                def do_GET(self):
                    say("GET", self.path, self.headers.get("User-Agent", ""), b"")
                    url = "http://%s%s" % (addr, sched)
                    self.answer("text/html", '<html><head><link rel="boinc_scheduler" href="%s"></head>'
                                '<body>thvb<!-- <scheduler>%s</scheduler> --></body></html>' % (url, url))
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    say("POST", self.path, self.headers.get("User-Agent", ""), body)
                    self.answer("text/xml", "<scheduler_reply>\n<scheduler_version>720</scheduler_version>\n"
                                "<project_name>thvb</project_name>\n<request_delay>60</request_delay>\n</scheduler_reply>\n")
            http.server.HTTPServer((addr, 80), Project).serve_forever()
            """;

        private readonly Process _process;
        private readonly System.Collections.Concurrent.BlockingCollection<ProjectRequest> _requests = [];
        private readonly List<string> _seen = [];
        private readonly System.Text.StringBuilder _stderr = new();

        private ProjectStandIn(Process process) => _process = process;

        /// <summary>What came so far, and what the server said on stderr, for a failure message.</summary>
        public string Seen
        {
            get
            {
                lock (_stderr)
                {
                    return $"the project saw: [{string.Join(", ", _seen)}]; its stderr: {_stderr}";
                }
            }
        }

        public static ProjectStandIn Start(string netns, string address)
        {
            var start = new ProcessStartInfo("ip")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "netns", "exec", netns, "python3", "-c", Script, address, SchedulerPath })
            {
                start.ArgumentList.Add(a);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3 in " + netns);
            var standIn = new ProjectStandIn(process);
            process.OutputDataReceived += (_, e) => standIn.Received(e.Data);
            process.ErrorDataReceived += (_, e) =>
            {
                lock (standIn._stderr)
                {
                    standIn._stderr.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return standIn;
        }

        /// <summary>The first request (from now on) that matches, or null when none came in time.</summary>
        public ProjectRequest? WaitFor(Func<ProjectRequest, bool> match, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (_requests.TryTake(out var r, timeout - clock.Elapsed) && match(r))
                {
                    return r;
                }
            }

            return null;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
            _process.Dispose();
            _requests.Dispose();
        }

        private void Received(string? line)
        {
            var fields = line?.Split('\t');
            if (fields is not { Length: 4 })
            {
                return;
            }

            var text = fields.Select(f => System.Text.Encoding.UTF8.GetString(Convert.FromHexString(f))).ToArray();
            lock (_stderr)
            {
                _seen.Add($"{text[0]} {text[1]}");
            }

            _requests.Add(new ProjectRequest(text[0], text[1], text[2], text[3]));
        }
    }
}
