//! The CLI's own documentation, generated from its clap definition so that it cannot
//! drift: shell completions (clap_complete) and manual pages (clap_mangen).

use std::path::Path;

use clap::CommandFactory;

use crate::client::Failure;

/// Writes the completion script of `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) {
    let mut command = crate::Cli::command();
    clap_complete::generate(shell, &mut command, "redbank", &mut std::io::stdout().lock());
}

/// Writes `redbank.1` and a page per command (`redbank-hold-create.1`, ...) into `dir`,
/// which is made if missing; returns the files written.
pub fn man_pages(dir: &Path) -> Result<Vec<String>, Failure> {
    let local = |what: &str, e: std::io::Error| Failure::Local(format!("{what}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| local(&dir.display().to_string(), e))?;
    let mut command = crate::Cli::command();
    command.build();
    let mut written = Vec::new();
    write_pages(&command, "redbank", dir, &mut written).map_err(|e| local(&dir.display().to_string(), e))?;
    Ok(written)
}

fn write_pages(
    command: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<String>,
) -> std::io::Result<()> {
    let file = format!("{name}.1");
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone().name(name.to_owned())).render(&mut page)?;
    std::fs::write(dir.join(&file), page)?;
    written.push(file);
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
