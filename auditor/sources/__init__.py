"""Readers of project inputs: lockfiles, pyproject declarations, inventories, ssh_config, ansible.cfg."""
