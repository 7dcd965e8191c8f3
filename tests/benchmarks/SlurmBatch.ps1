#Requires -Version 7.6
<#
.SYNOPSIS
    A 12-concept batch on the single-node Slurm cluster against the S3 test server, against the same batch trained
    here with -ThrottleLimit 2; keyword and span tagger. Prints wall times and the per-task cost of the scheduler path.

.DESCRIPTION
    The concepts are 12 copies of the example concept Q9001 under other IDs (the same labelled passages, so every
    training does the same work). Each run deploys them to a fresh S3 bucket with -NoSpecUpdate:
      local   Deploy-KgClassifier -ThrottleLimit 2                    (two trainings at once in this process)
      slurm   Deploy-KgClassifier -Scheduler Slurm, then Receive-Job   (one array; the 2-CPU node runs two tasks at once)
    and prints, per type:
      - the two wall times and the scheduler path's cost per task, amortised: (slurm - local) / 12 * 2 (two at once);
      - each Slurm task's own run time (scontrol's StartTime to EndTime, whole seconds: pwsh start, module import,
        reading the batch from the store, training, storing, recording) and, for the keyword type, whose training takes
        a fraction of a second, that is the launch cost of a task;
    and one concept alone (keyword), local against Slurm: the fixed cost of a batch (store it, sbatch, scheduling,
    the task, polling, promotion). The load average (uptime) is printed before and after every timed run: the machine
    is shared, and a figure measured under load is not the idle figure.

    Needs $env:KG_TEST_S3_ENDPOINT and $env:SLURM_CONF (build.ps1 Benchmark starts both); skipped otherwise.
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int] $Count = 12,
    [string[]] $ClassifierType = @('Keyword', 'SpanTagger')
)

$ErrorActionPreference = 'Stop'
if (-not $env:KG_TEST_S3_ENDPOINT -or -not $env:SLURM_CONF) {
    Write-Host 'SlurmBatch: skipped (needs the S3 test server and the Slurm test cluster: build.ps1 Benchmark starts them).'
    return
}
. (Join-Path $PSScriptRoot '../tools/New-TestBucket.ps1')
Import-Module $ModuleManifest

$kgHome = Join-Path ([IO.Path]::GetTempPath()) ("kg-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$concepts = New-Item -ItemType Directory (Join-Path $kgHome 'concepts') -Force
$env:KG_HOME = $kgHome
$example = Get-Content (Join-Path (Split-Path $ModuleManifest) 'examples/concepts/Q9001.json') -Raw
$ids = 1..$Count | ForEach-Object { "Q$(9100 + $_)" }
foreach ($id in $ids) { $example.Replace('"Q9001"', "`"$id`"") | Set-Content (Join-Path $concepts "$id.json") }
$s3Profile = if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' }

function Get-Load { ((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' ' }

# Each task's run time from scontrol (Slurm keeps a finished job for MinJobAge, 600 s on the test cluster).
function Get-TaskSeconds([string] $JobId) {
    $lines = & scontrol --oneliner show job $JobId
    foreach ($line in $lines) {
        if ($line -match 'StartTime=(\S+) EndTime=(\S+)' -and $Matches[1] -ne 'Unknown' -and $Matches[2] -ne 'Unknown') {
            ([datetime]$Matches[2] - [datetime]$Matches[1]).TotalSeconds
        }
    }
}

function Measure-Deploy([string] $Type, [string[]] $Concept, [switch] $Slurm) {
    $bucket = New-TestBucket
    Set-KgEnvironment -Store "s3://$bucket/{name}" -EndpointUrl $env:KG_TEST_S3_ENDPOINT -ProfileName $s3Profile | Out-Null
    $before = Get-Load
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $tasks = @()
    if ($Slurm) {
        $job = $Concept | Deploy-KgClassifier -Environment labs -AddClassifiersProfile primary -ClassifierType $Type -ConceptPath $concepts -NoSpecUpdate -Scheduler Slurm
        $results = Receive-Job $job -Wait
        $seconds = $sw.Elapsed.TotalSeconds
        $tasks = @(Get-TaskSeconds $job.SchedulerJobIds[0])
        Remove-Job $job
    }
    else {
        $results = $Concept | Deploy-KgClassifier -Environment labs -AddClassifiersProfile primary -ClassifierType $Type -ConceptPath $concepts -NoSpecUpdate -ThrottleLimit 2
        $seconds = $sw.Elapsed.TotalSeconds
    }
    $promoted = @($results | Where-Object Promoted).Count
    if ($promoted -ne $Concept.Count) { throw "$Type $(if ($Slurm) { 'slurm' } else { 'local' }): $promoted of $($Concept.Count) promoted" }
    [pscustomobject]@{ Seconds = $seconds; Tasks = $tasks; LoadBefore = $before; LoadAfter = Get-Load }
}

function Format-Run([string] $Name, $Run) {
    $text = '{0} {1,7:N1} s (load {2} -> {3})' -f $Name, $Run.Seconds, $Run.LoadBefore, $Run.LoadAfter
    if ($Run.Tasks) {
        $m = $Run.Tasks | Measure-Object -Average -Minimum -Maximum
        $text += '; tasks ran {0:N1} s on average ({1:N0}-{2:N0} s)' -f $m.Average, $m.Minimum, $m.Maximum
    }
    $text
}

Write-Host "SlurmBatch: $Count copies of Q9001, S3 at $($env:KG_TEST_S3_ENDPOINT), $([Environment]::ProcessorCount) CPUs, $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC"
foreach ($type in $ClassifierType) {
    $local = Measure-Deploy $type $ids
    $slurm = Measure-Deploy $type $ids -Slurm
    Write-Host ("{0,-10} {1} concepts: {2}" -f $type, $Count, (Format-Run 'local -ThrottleLimit 2' $local))
    Write-Host ("{0,-10} {1} concepts: {2}" -f $type, $Count, (Format-Run 'Slurm array           ' $slurm))
    Write-Host ('{0,-10} scheduler path costs {1:N1} s per task, amortised ((slurm - local) / {2} * 2)' -f $type, (($slurm.Seconds - $local.Seconds) / $Count * 2), $Count)
}

# One concept alone: the fixed cost of a batch of one.
$local = Measure-Deploy Keyword $ids[0]
$slurm = Measure-Deploy Keyword $ids[0] -Slurm
Write-Host ('Keyword    1 concept:  {0}' -f (Format-Run 'local' $local))
Write-Host ('Keyword    1 concept:  {0}' -f (Format-Run 'Slurm' $slurm))
Write-Host ('Keyword    a batch of one costs {0:N1} s more on Slurm' -f ($slurm.Seconds - $local.Seconds))

# Container start to the module ready (pwsh started, module imported, a command run), when the image exists.
if ((Get-Command podman -ErrorAction Ignore) -and $env:KG_BENCH_IMAGE) {
    if (-not $env:CONTAINERS_CONF) { $env:CONTAINERS_CONF = Join-Path $PSScriptRoot '../../container/containers.conf' }
    $before = Get-Load
    $times = 1..3 | ForEach-Object {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & podman run --rm $env:KG_BENCH_IMAGE -NonInteractive -Command 'Get-KgEnvironment sandbox | Out-Null' | Out-Null
        $sw.Elapsed.TotalSeconds
    }
    'container start to the first command done: {0} (load {1} -> {2})' -f (($times | ForEach-Object { '{0:N2} s' -f $_ }) -join ', '), $before, (Get-Load) | Write-Host
}
Remove-Item $kgHome -Recurse -Force -ErrorAction SilentlyContinue
