# Dot-sourced by every test file (in BeforeAll): the module under test, the shared data, helpers.
$script:ModuleManifest = $env:KG_TEST_MODULE
if (-not $script:ModuleManifest) { throw 'Set $env:KG_TEST_MODULE to the built KnowledgeGraph.psd1 (build.ps1 Test does).' }
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
. (Join-Path $PSScriptRoot 'SharedData.ps1')
$script:ExampleConcepts = Join-Path (Split-Path $script:ModuleManifest) 'examples/concepts'
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

Import-Module $script:ModuleManifest -Force

# A fresh, empty home folder for the module (stores, settings) and the example concepts on the concept path.
function New-KgTestHome {
    $path = Join-Path ([System.IO.Path]::GetTempPath()) ("kgtest-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $path | Out-Null
    $env:KG_HOME = $path
    $env:KG_CONCEPT_PATH = $script:ExampleConcepts
    return $path
}

# Runs a script in a new pwsh process (with the module's manifest in $env:KG_TEST_MODULE) and returns its output.
function Invoke-KgChild {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $Script) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['KG_TEST_MODULE'] = $script:ModuleManifest
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    $stderr = $p.StandardError.ReadToEndAsync()
    $stdout = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $stdout; Error = $stderr.Result }
}

# The error record of a command that must fail (terminating or not), for checking its ErrorId, category and message.
function Get-KgError([scriptblock] $Command) {
    try { & $Command -ErrorAction Stop | Out-Null } catch { return $_ }
    throw 'The command did not fail.'
}
