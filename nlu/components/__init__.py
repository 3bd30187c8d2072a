"""Custom Rasa components, loaded by the Rasa process (Python 3.10, `.venv-nlu`).

`config.yml` names them by module path (`nlu.components.<module>.<Class>`); `nlu/training.py`
puts the project root on the Rasa process's `PYTHONPATH` so they import for training and serving
alike. Nothing here is imported by the bot itself.
"""
