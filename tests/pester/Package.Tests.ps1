BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# Issue 9, section 3: the module as users get it, from a PowerShell repository, in a fresh pwsh.
Describe 'The published packages' {
    BeforeAll {
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('kg-package-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
        $script:Repo = & (Join-Path $RepoRoot 'module/Publish-KgPackages.ps1') -ModuleFolder (Split-Path $ModuleManifest) `
            -WorkerManifest (Join-Path $RepoRoot 'module/KnowledgeGraph.Worker.psd1') -Destination $Work
        # A user of their own: every PowerShell and PSResourceGet folder under a throwaway home.
        $script:UserHome = New-Item -ItemType Directory (Join-Path $Work 'home')
        # .NET reports a data folder that does not exist yet as "", and PSResourceGet then writes relative to the
        # current folder: create them, as a real home has them.
        New-Item -ItemType Directory (Join-Path $UserHome '.local/share'), (Join-Path $UserHome '.config') | Out-Null
        $script:UserEnv = @{ HOME = $UserHome.FullName; XDG_DATA_HOME = (Join-Path $UserHome '.local/share'); XDG_CONFIG_HOME = (Join-Path $UserHome '.config'); PSModulePath = '' }
        # (PSResourceGet does not always keep a registration for the next process: each child registers the folder.)
        $script:Register = "`$ErrorActionPreference = 'Stop'; if (-not (Get-PSResourceRepository KgLocal -ErrorAction SilentlyContinue)) { Register-PSResourceRepository -Name KgLocal -Uri '$Repo' -Trusted }"
        function Invoke-AsUser([string] $Script) {
            $r = Invoke-KgChild -Environment $UserEnv -Script "$Register`n$Script"
            $r.ExitCode | Should -Be 0 -Because "$($r.Output)$($r.Error)"
            $r
        }
    }
    AfterAll { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'publishes a small module and a separate worker package' {
        $module = Get-Item (Join-Path $Repo 'KnowledgeGraph.0.1.0.nupkg')
        $worker = Get-Item (Join-Path $Repo 'KnowledgeGraph.Worker.0.1.0.nupkg')
        $module.Length | Should -BeLessThan 10MB
        $worker.Length | Should -BeGreaterThan 50MB
        $entries = [IO.Compression.ZipFile]::OpenRead($module.FullName)
        try { $entries.Entries.FullName | Where-Object { $_ -like 'worker/*' } | Should -BeNullOrEmpty }
        finally { $entries.Dispose() }
    }

    It 'installs the module alone, which manages specs but says how to get the worker' {
        $r = Invoke-AsUser @"
Install-PSResource KnowledgeGraph -Repository KgLocal -Scope CurrentUser
Import-Module KnowledgeGraph
`$env:KG_HOME = Join-Path `$HOME 'kg'
`$env:KG_CONCEPT_PATH = (Join-Path (Split-Path (Get-Module KnowledgeGraph).Path) 'examples/concepts')
(Invoke-KgTraining Q9001 -Environment sandbox).ClassifierName
try { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger } catch { `$_.FullyQualifiedErrorId.Split(',')[0]; `$_.Exception.Message }
"@
        $r.Output | Should -Match 'KeywordClassifier'
        $r.Output | Should -Match 'WorkerNotInstalled'
        $r.Output | Should -Match 'Install-PSResource KnowledgeGraph.Worker'
    }

    It 'installs the worker beside it and trains a learned classifier in a fresh pwsh' {
        $r = Invoke-AsUser @"
Install-PSResource KnowledgeGraph.Worker -Repository KgLocal -Scope CurrentUser
`$launcher = Get-Item (Join-Path (Split-Path (Get-Module KnowledgeGraph.Worker -ListAvailable).Path) 'worker/KnowledgeGraph.Worker')
'launcher-executable-before=' + [bool]([int](`$launcher.UnixFileMode) -band 64)
"@
        $r.Output | Should -Match 'launcher-executable-before=False'   # the package format drops the execute bit
        $r = Invoke-AsUser @'
Import-Module KnowledgeGraph
$env:KG_HOME = Join-Path $HOME 'kg'
$env:KG_CONCEPT_PATH = (Join-Path (Split-Path (Get-Module KnowledgeGraph).Path) 'examples/concepts')
$t = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -MaxEpochs 2 -ErrorAction Stop
"trained=$($t.ClassifierName) stored=$($t.Stored)"
(Get-KgClassifier Q9001 -Environment sandbox -ClassifierType SpanTagger | Invoke-KgClassifier -Text 'Flash floods hit the valley.').Spans.Count -ge 0
'@
        $r.Output | Should -Match 'trained=SpanTaggerClassifier stored=True'
        $r = Invoke-AsUser "[bool]([int](Get-Item (Join-Path (Split-Path (Get-Module KnowledgeGraph.Worker -ListAvailable).Path) 'worker/KnowledgeGraph.Worker')).UnixFileMode -band 64)"
        $r.Output.Trim() | Should -Be 'True'   # the module gave the launcher its execute bit back
    }
}
