#Requires -Version 7.6
<#
.SYNOPSIS
    The container image (build.ps1 Image): build time, cold and with podman's layer cache, image size, the time from
    podman run to the first training progress inside the container, and the push to a local registry.

.DESCRIPTION
    Builds the image of the built module with container/Build-KgImage.ps1 (as build.ps1 Image does), twice: the first
    build in the podman store as it is (with -Cold: in a podman store of its own under out/, so the debootstrap base and
    every layer are made from nothing, and the shared store is not touched), the second with the cache of the first.
    Then, -Runs times, the wall time from podman run to the first progress record of a SpanTagger training of the example
    concept inside the container (-LocalOnly, 2 epochs: no store needed), read in the container by a pwsh that runs the
    training in a nested PowerShell and watches its progress stream; and the time to the module's first command done.
    Finally the push to a Debian docker-registry on a free loopback port (tests/tools/oci-registry.sh).
    The load average is printed before and after every timed step. Needs Linux, root, podman and debootstrap; skipped
    otherwise.
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [switch] $Cold,
    [int] $Runs = 3
)

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$missing = @('podman', 'debootstrap', 'docker-registry') | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction Ignore) }
if (-not $IsLinux -or (id -u) -ne '0' -or $missing) {
    Write-Host "Image: skipped (needs Linux, root, podman, debootstrap and docker-registry$(if ($missing) { "; missing: $($missing -join ', ')" }))."
    return
}
if (-not $env:CONTAINERS_CONF) { $env:CONTAINERS_CONF = Join-Path $root 'container/containers.conf' }
$module = Split-Path (Resolve-Path $ModuleManifest).Path
$work = Join-Path $root 'out/image-bench'
New-Item -ItemType Directory -Force $work | Out-Null
function Get-Load { ((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' ' }
$tag = 'localhost/kgtools:bench'

function Measure-Build([string] $Name) {
    $before = Get-Load
    $image = & (Join-Path $root 'container/Build-KgImage.ps1') -ModuleFolder $module -Tag $tag -WorkFolder $work
    '{0,-28} {1,7:N1} s (base built: {2}); image {3:N0} MB ({4:N0} bytes); load {5} -> {6}' -f $Name, $image.BuildSeconds, $image.BaseBuilt,
        ($image.SizeBytes / 1MB), $image.SizeBytes, $before, (Get-Load) | Write-Host
    $image
}

Write-Host "Image: $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) CPUs, podman $((podman version --format '{{.Client.Version}}'))"
if ($Cold) {
    # A podman store of this benchmark's own: nothing cached, and the shared store untouched.
    $store = Join-Path $work 'cold-store'
    if (Test-Path $store) { Remove-Item $store -Recurse -Force }
    New-Item -ItemType Directory -Force "$store/graph", "$store/run" | Out-Null
    $conf = Join-Path $work 'cold-storage.conf'
    "[storage]`ndriver = `"overlay`"`ngraphroot = `"$store/graph`"`nrunroot = `"$store/run`"`n" | Set-Content $conf
    $env:CONTAINERS_STORAGE_CONF = $conf
    try {
        $graph = & podman info --format '{{.Store.GraphRoot}}'
        if ($graph -ne "$store/graph") { throw "podman did not take the benchmark's own store ($graph)." }
        Measure-Build 'cold (own store, no cache)' | Out-Null
        Measure-Build 'again, with the cache' | Out-Null
    }
    finally {
        Remove-Item env:CONTAINERS_STORAGE_CONF
        & podman --root "$store/graph" --runroot "$store/run" rmi --all --force *> $null
        Remove-Item $store -Recurse -Force -ErrorAction SilentlyContinue
    }
}
$image = Measure-Build 'build (shared store)'
Measure-Build 'again, with the cache' | Out-Null

# From podman run to the first progress record of a training in the container.
$probe = @'
$ps = [powershell]::Create().AddScript('Import-Module KnowledgeGraph; Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -LocalOnly -MaxEpochs 2 -OutputPath /tmp/models')
$handle = $ps.BeginInvoke()
while (-not $handle.IsCompleted -and $ps.Streams.Progress.Count -eq 0) { Start-Sleep -Milliseconds 10 }
$first = $ps.Streams.Progress | Select-Object -First 1
if (-not $first) { throw "The training wrote no progress: $($ps.Streams.Error -join '; ')" }
"PROGRESS $([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()) $($first.Activity): $($first.StatusDescription)"
while (-not $handle.IsCompleted -and -not ($ps.Streams.Progress | Where-Object StatusDescription -match 'epoch')) { Start-Sleep -Milliseconds 10 }
"EPOCH $([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()) $(($ps.Streams.Progress | Where-Object StatusDescription -match 'epoch' | Select-Object -First 1).StatusDescription)"
$ps.Stop()
'@
$examples = Join-Path $module 'examples/concepts'
$before = Get-Load
foreach ($run in 1..$Runs) {
    $start = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $out = & podman run --rm --volume "$($examples):/kg/concepts:ro" $tag -NonInteractive -Command $probe 2>&1
    $progress = $out | Where-Object { "$_" -match '^PROGRESS (\d+) (.*)' } | ForEach-Object { [long]$Matches[1] - $start; $Matches[2] } | Select-Object -First 2
    $epoch = $out | Where-Object { "$_" -match '^EPOCH (\d+) (.*)' } | ForEach-Object { [long]$Matches[1] - $start; $Matches[2] } | Select-Object -First 2
    if (-not $progress) { throw "No progress from the container: $($out -join "`n")" }
    'run {0}: podman run to the first progress {1:N2} s ({2}); to the first epoch {3:N2} s ({4})' -f $run, ($progress[0] / 1000), $progress[1], ($epoch[0] / 1000), $epoch[1] | Write-Host
}
Write-Host "  load $before -> $(Get-Load)"
$before = Get-Load
$times = 1..$Runs | ForEach-Object {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & podman run --rm $tag -NonInteractive -Command 'Get-KgEnvironment sandbox | Out-Null' | Out-Null
    $sw.Elapsed.TotalSeconds
}
'podman run to the first command done (module imported): {0}; load {1} -> {2}' -f (($times | ForEach-Object { '{0:N2} s' -f $_ }) -join ', '), $before, (Get-Load) | Write-Host

# The push to a local registry (Debian's docker-registry on loopback).
$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$registry = Join-Path $work 'registry'
& bash (Join-Path $root 'tests/tools/oci-registry.sh') up $registry $port | Out-Null
try {
    $pushed = "localhost:$port/kgtools:bench"
    & podman tag $tag $pushed
    $before = Get-Load
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & podman push --tls-verify=false $pushed *> $null
    if ($LASTEXITCODE -ne 0) { throw "podman push $pushed failed." }
    $seconds = $sw.Elapsed.TotalSeconds
    $stored = (Get-ChildItem (Join-Path $registry 'storage') -Recurse -File | Measure-Object Length -Sum).Sum
    'push to localhost:{0} (empty registry): {1:N1} s, {2:N0} MB compressed in the registry; load {3} -> {4}' -f $port, $seconds, ($stored / 1MB), $before, (Get-Load) | Write-Host
    & podman rmi $pushed *> $null
}
finally { & bash (Join-Path $root 'tests/tools/oci-registry.sh') down $registry | Out-Null }
