#Requires -Version 7.6
<#
.SYNOPSIS
    Generates the module's MAML help (KnowledgeGraph.PowerShell.dll-Help.xml) from module/help/<Cmdlet>.md.

.DESCRIPTION
    The markdown files hold what people write (synopsis, description, examples, parameter descriptions, inputs,
    outputs, notes, links); the syntax, parameter types, positions and pipeline behaviour come from the built
    cmdlets themselves, so the help can never disagree with the code. The build fails when a cmdlet has no help file,
    no synopsis, description or example, or when a parameter is undocumented or documented but absent.

    Markdown layout (level-2 headings, in any order):
        # Verb-Noun
        ## SYNOPSIS / ## DESCRIPTION / ## NOTES          paragraphs
        ## EXAMPLES       ### Example N: title, a ```powershell block, then remarks
        ## PARAMETERS     ### -Name, then its description
        ## INPUTS / ## OUTPUTS   ### Type.Name, then a description
        ## RELATED LINKS  - Other-Command   or   - [text](uri)
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    # Online help: <ProjectUri>/blob/main/module/help/<Cmdlet>.md (Get-Help -Online). From the manifest when omitted.
    [string] $ProjectUri
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module $ModuleManifest -PassThru -Force
if (-not $ProjectUri) { $ProjectUri = (Import-PowerShellDataFile $ModuleManifest).PrivateData.PSData.ProjectUri }
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$standardText = @{
    WhatIf  = 'Shows what would happen if the command ran. The command does not run and nothing is changed.'
    Confirm = 'Prompts you for confirmation before running the command.'
}

function Split-Sections([string[]] $Lines, [string] $Prefix) {
    $sections = [ordered]@{}
    $current = $null
    foreach ($line in $Lines) {
        if ($line.StartsWith($Prefix)) {
            $current = $line.Substring($Prefix.Length).Trim()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
        }
        elseif ($null -ne $current) {
            $sections[$current].Add($line)
        }
    }
    return $sections
}

function Get-Paragraphs($Lines) {
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    foreach ($line in @($Lines) + '') {
        if ([string]::IsNullOrWhiteSpace($line)) {
            if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ').Trim()); $buffer.Clear() }
        }
        else { $buffer.Add($line.Trim()) }
    }
    return , $paragraphs
}

function Read-HelpSource([string] $Path) {
    $lines = Get-Content $Path
    $top = Split-Sections $lines '## '
    $help = @{ Synopsis = ''; Description = @(); Examples = @(); Parameters = @{}; Inputs = @(); Outputs = @(); Notes = @(); Links = @() }
    if ($top.Contains('SYNOPSIS')) { $help.Synopsis = (Get-Paragraphs $top['SYNOPSIS']) -join ' ' }
    if ($top.Contains('DESCRIPTION')) { $help.Description = Get-Paragraphs $top['DESCRIPTION'] }
    if ($top.Contains('NOTES')) { $help.Notes = Get-Paragraphs $top['NOTES'] }
    if ($top.Contains('EXAMPLES')) {
        $examples = Split-Sections $top['EXAMPLES'] '### '
        $help.Examples = foreach ($title in $examples.Keys) {
            $body = $examples[$title]
            $fence = @($body | Select-String -Pattern '^```' | ForEach-Object LineNumber)
            if ($fence.Count -lt 2) { throw "$Path, example '$title': expected a fenced code block." }
            [pscustomobject]@{
                Title   = $title
                Code    = ($body[$fence[0]..($fence[1] - 2)] -join "`n")
                Remarks = Get-Paragraphs ($body | Select-Object -Skip $fence[1])
            }
        }
    }
    if ($top.Contains('PARAMETERS')) {
        $parameters = Split-Sections $top['PARAMETERS'] '### '
        foreach ($name in $parameters.Keys) { $help.Parameters[$name.TrimStart('-')] = Get-Paragraphs $parameters[$name] }
    }
    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        if ($top.Contains($kind)) {
            $types = Split-Sections $top[$kind] '### '
            $help[$kind.Substring(0, 1) + $kind.Substring(1).ToLower()] = foreach ($t in $types.Keys) {
                [pscustomobject]@{ Type = $t; Description = Get-Paragraphs $types[$t] }
            }
        }
    }
    if ($top.Contains('RELATED LINKS')) {
        $help.Links = foreach ($line in $top['RELATED LINKS'] | Where-Object { $_ -match '^\s*-\s+' }) {
            $text = ($line -replace '^\s*-\s+', '').Trim()
            if ($text -match '^\[(?<t>[^\]]+)\]\((?<u>[^)]*)\)$') { [pscustomobject]@{ Text = $Matches.t; Uri = $Matches.u } }
            else { [pscustomobject]@{ Text = $text; Uri = '' } }
        }
    }
    return $help
}

# The value a parameter has when it is not given, read from a fresh instance of the cmdlet (so help never disagrees
# with the code): None for nothing or an empty list, False for a switch.
function Get-DefaultText($Instance, $Parameter) {
    if ($Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]) { return 'False' }
    if ($null -eq $Instance -or $Parameter.Name -in 'WhatIf', 'Confirm') { return 'None' }
    $property = $Instance.GetType().GetProperty($Parameter.Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue($Instance)
    if ($null -eq $value) { return 'None' }
    if ($value -is [System.Collections.ICollection] -and $value.Count -eq 0) { return 'None' }
    if ($value -is [string] -and $value.Length -eq 0) { return 'None' }
    if ($value -is [System.Collections.IEnumerable] -and $value -isnot [string]) { return ($value | ForEach-Object { "$_" }) -join ', ' }
    return [string]$value
}

function Get-PipelineText($Attributes) {
    $kinds = @()
    if ($Attributes | Where-Object ValueFromPipeline) { $kinds += 'ByValue' }
    if ($Attributes | Where-Object ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { return 'True (' + ($kinds -join ', ') + ')' } else { return 'False' }
}

$problems = [System.Collections.Generic.List[string]]::new()
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
New-Item -ItemType Directory -Force -Path (Split-Path $OutputPath) | Out-Null
$w = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
function Para([string] $Text) { $w.WriteElementString('maml', 'para', $maml, $Text) }
function Description($Paragraphs) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($p in @($Paragraphs)) { Para $p }
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
$w.WriteAttributeString('xmlns', 'maml', $null, $maml)
$w.WriteAttributeString('xmlns', 'command', $null, $cmd)
$w.WriteAttributeString('xmlns', 'dev', $null, $dev)

foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $source = Join-Path $SourcePath "$($command.Name).md"
    if (-not (Test-Path $source)) { $problems.Add("$($command.Name): no help file $source"); continue }
    $help = Read-HelpSource $source
    if (-not $help.Synopsis) { $problems.Add("$($command.Name): no SYNOPSIS") }
    if (-not $help.Description) { $problems.Add("$($command.Name): no DESCRIPTION") }
    if (-not $help.Examples) { $problems.Add("$($command.Name): no EXAMPLES") }
    $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $commonParameters -or $_.Name -in 'WhatIf', 'Confirm' })
    foreach ($p in $parameters) {
        if (-not $help.Parameters.ContainsKey($p.Name) -and -not $standardText.ContainsKey($p.Name)) { $problems.Add("$($command.Name): parameter -$($p.Name) is not documented") }
    }
    foreach ($name in $help.Parameters.Keys) {
        if ($name -notin $parameters.Name) { $problems.Add("$($command.Name): documents -$name, which it does not have") }
    }

    $w.WriteStartElement('command', 'command', $cmd)
    $w.WriteStartElement('command', 'details', $cmd)
    $w.WriteElementString('command', 'name', $cmd, $command.Name)
    Description $help.Synopsis
    $w.WriteElementString('command', 'verb', $cmd, $command.Verb)
    $w.WriteElementString('command', 'noun', $cmd, $command.Noun)
    $w.WriteEndElement()
    Description $help.Description

    $w.WriteStartElement('command', 'syntax', $cmd)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmd)
        $w.WriteElementString('maml', 'name', $maml, $command.Name)
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $commonParameters -or $_.Name -in 'WhatIf', 'Confirm' }) {
            $w.WriteStartElement('command', 'parameter', $cmd)
            $w.WriteAttributeString('required', $p.IsMandatory.ToString().ToLower())
            $w.WriteAttributeString('position', ($p.Position -ge 0 ? [string]$p.Position : 'named'))
            $w.WriteAttributeString('pipelineInput', (Get-PipelineText @([pscustomobject]@{ ValueFromPipeline = $p.ValueFromPipeline; ValueFromPipelineByPropertyName = $p.ValueFromPipelineByPropertyName })))
            $w.WriteElementString('maml', 'name', $maml, $p.Name)
            if ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                $w.WriteStartElement('command', 'parameterValue', $cmd)
                $w.WriteAttributeString('required', 'true')
                $w.WriteString($p.ParameterType.Name)
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $defaults = try { [Activator]::CreateInstance($command.ImplementingType) } catch { $null }
    $w.WriteStartElement('command', 'parameters', $cmd)
    foreach ($p in $parameters | Sort-Object Name) {
        $attributes = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $positions = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Select-Object -Unique)
        $w.WriteStartElement('command', 'parameter', $cmd)
        $w.WriteAttributeString('required', (@($attributes | Where-Object Mandatory).Count -gt 0).ToString().ToLower())
        # (An array holding only 0 is false in PowerShell: test the count, not the array.)
        $w.WriteAttributeString('position', ($positions.Count -gt 0 ? [string]$positions[0] : 'named'))
        $w.WriteAttributeString('pipelineInput', (Get-PipelineText $attributes))
        $w.WriteAttributeString('aliases', (($p.Aliases -join ', ') ? ($p.Aliases -join ', ') : 'none'))
        $w.WriteElementString('maml', 'name', $maml, $p.Name)
        Description ($help.Parameters[$p.Name] ?? $standardText[$p.Name])
        $w.WriteStartElement('command', 'parameterValue', $cmd)
        $w.WriteAttributeString('required', ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]).ToString().ToLower())
        $w.WriteString($p.ParameterType.Name)
        $w.WriteEndElement()
        $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $p.ParameterType.FullName)
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $dev, (Get-DefaultText $defaults $p))
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $help.Inputs), @('returnValues', 'returnValue', $help.Outputs))) {
        $w.WriteStartElement('command', $kind[0], $cmd)
        foreach ($t in @($kind[2])) {
            $w.WriteStartElement('command', $kind[1], $cmd)
            $w.WriteStartElement('dev', 'type', $dev)
            $w.WriteElementString('maml', 'name', $maml, $t.Type)
            $w.WriteEndElement()
            Description $t.Description
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $maml)
    $w.WriteStartElement('maml', 'alert', $maml)
    foreach ($n in @($help.Notes)) { Para $n }
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $cmd)
    foreach ($e in @($help.Examples)) {
        $w.WriteStartElement('command', 'example', $cmd)
        $w.WriteElementString('maml', 'title', $maml, "-------------------------- $($e.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $dev, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $dev)
        foreach ($r in @($e.Remarks)) { Para $r }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $cmd)
    # The first link with a URI is what Get-Help -Online opens: this command's help source on the project's site.
    $links = @(if ($ProjectUri) { [pscustomobject]@{ Text = 'Online Version:'; Uri = "$($ProjectUri.TrimEnd('/'))/blob/main/module/help/$($command.Name).md" } }) + @($help.Links)
    foreach ($l in $links) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('maml', 'linkText', $maml, $l.Text)
        $w.WriteElementString('maml', 'uri', $maml, $l.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()

foreach ($file in Get-ChildItem $SourcePath -Filter '*-Kg*.md') {
    if (-not (Get-Command -Module $module.Name -Name $file.BaseName -ErrorAction SilentlyContinue)) {
        $problems.Add("$($file.Name): no such cmdlet is exported")
    }
}
if ($problems.Count) {
    Remove-Item $OutputPath -Force
    throw "Help is incomplete:`n  " + ($problems -join "`n  ")
}
Write-Host "Wrote help for $(@(Get-Command -Module $module.Name -CommandType Cmdlet).Count) cmdlets to $OutputPath"
